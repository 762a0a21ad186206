"""Names and text for the simulated world (all driven by a caller-supplied ``random.Random``)."""
from __future__ import annotations

import random

SYL = ("ka", "lo", "mi", "ra", "ten", "vo", "shi", "an", "el", "dor", "ben", "jo", "zu", "pe", "ti",
       "mar", "co", "lin", "sa", "ne", "ro", "ha", "yu", "chen", "li", "wang", "ku", "de", "vi", "al",
       "ex", "on", "ri", "ta", "no", "mo", "fa", "ze", "qi", "xu", "gar", "bel", "son", "ian", "ola")
FIRST = ("john", "maria", "alex", "li", "wei", "anna", "david", "sara", "mohamed", "ivan", "olga",
         "raj", "priya", "kenji", "yuki", "lucas", "emma", "noah", "mia", "omar", "fatima", "carlos",
         "sofia", "daniel", "laura", "peter", "nina", "tom", "julia", "max", "leo", "eva", "hugo")
LAST = ("smith", "garcia", "wang", "kumar", "mueller", "rossi", "kim", "nguyen", "silva", "ivanov",
        "tanaka", "brown", "lopez", "martin", "chen", "singh", "khan", "novak", "costa", "berg")
TECH = ("fast", "tiny", "open", "micro", "neo", "hyper", "py", "go", "rust", "js", "vue", "react",
        "node", "deep", "auto", "smart", "cloud", "data", "web", "api", "cli", "db", "ml", "gpt",
        "llm", "chain", "graph", "flow", "kit", "lab", "hub", "box", "forge", "stack", "core", "lib",
        "sync", "scan", "bot", "dash", "vision", "sense", "lang", "agent", "rag", "vector")
TECH2 = ("server", "client", "tools", "utils", "engine", "framework", "parser", "sdk", "app", "demo",
         "tutorial", "notes", "dotfiles", "config", "plugin", "starter", "template", "compiler",
         "runtime", "studio", "scraper", "monitor", "proxy", "router", "store", "viewer", "wallet")
LURE_GAMES = ("Fortnite", "Roblox", "Valorant", "CS2", "Apex-Legends", "Warzone", "Minecraft", "GTA-V",
              "Rust", "Escape-From-Tarkov", "Deadlock", "PUBG", "Rainbow-Six-Siege", "Blox-Fruits",
              "Genshin-Impact", "Palworld", "Lethal-Company", "Call-of-Duty")
LURE_GAME_TAIL = ("Hack", "Cheat", "Aimbot", "ESP-Wallhack", "Mod-Menu", "Executor", "Script",
                  "Injector", "Unlocker", "Spoofer", "Hack-Free", "Cheat-Undetected")
LURE_APPS = ("Photoshop", "Adobe-Premiere", "FL-Studio", "Filmora", "Sapphire-Plugin", "Ableton-Live",
             "AutoCAD", "Vegas-Pro", "Microsoft-Office", "Windows-11", "CorelDRAW", "Lightroom",
             "After-Effects", "4k-Video-Downloader", "Wave-Executor", "Solara-Executor", "Spotify-Premium")
LURE_APP_TAIL = ("Crack", "Cracked", "Free-Download", "Activator", "Keygen", "Full-Version",
                 "License-Key", "Pre-Activated", "Portable", "Patch")
PROMO = ("AI", "GPT", "LLM", "Agent", "Crypto", "DeFi", "Solana", "Airdrop", "Trading-Bot", "NFT",
         "Sniper-Bot", "Arbitrage", "Telegram-Bot", "Chat", "Copilot", "Web3", "Token")
PROMO_TAIL = ("Toolkit", "Assistant", "Framework", "Bot", "Tracker", "Dashboard", "SDK", "Platform",
              "Generator", "Scanner", "Wallet", "Tutorial", "Demo", "Studio")
WORDS = ("the", "a", "to", "of", "and", "in", "is", "it", "for", "this", "that", "with", "on", "be",
         "not", "we", "when", "fix", "add", "update", "remove", "bug", "error", "test", "build", "run",
         "config", "version", "support", "issue", "function", "return", "value", "file", "path",
         "should", "would", "could", "after", "before", "because", "using", "instead", "also",
         "docs", "README", "release", "change", "merge", "branch", "commit", "crash", "memory",
         "performance", "request", "response", "server", "client", "timeout", "handle", "case",
         "null", "undefined", "type", "option", "default", "example", "see", "thanks", "works",
         "expected", "actual", "behavior", "steps", "reproduce", "environment", "python", "node")
LANGS = ("Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C++", "C", "Shell", "HTML",
         "Jupyter Notebook", "C#", "PHP", "Ruby", "Kotlin", "Swift", None)


def login_organic(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        s = "".join(rng.choice(SYL) for _ in range(rng.randint(2, 4)))
    elif r < 0.6:
        s = rng.choice(FIRST) + rng.choice(("", "-", "")) + rng.choice(LAST)
    elif r < 0.8:
        s = rng.choice(FIRST) + rng.choice(SYL) + str(rng.randint(1, 9999))
    else:
        s = "".join(rng.choice(SYL) for _ in range(rng.randint(1, 3))) + rng.choice(("dev", "code", "hq", "x", "io", "99", "_"))
    return s.strip("-_") or "user"


def login_bulk(rng: random.Random, style: int) -> str:
    """Logins of accounts registered in bulk (fake-star sellers): patterned."""
    if style == 0:
        return rng.choice(FIRST) + rng.choice(LAST) + str(rng.randint(10, 99999))
    if style == 1:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(8, 12)))
    if style == 2:
        return rng.choice(FIRST).capitalize() + rng.choice(LAST).capitalize() + str(rng.randint(1980, 2006))
    return rng.choice(SYL) + rng.choice(SYL) + rng.choice(SYL) + "-" + str(rng.randint(100, 999))


def org_name(rng: random.Random) -> str:
    return rng.choice(TECH) + rng.choice(("-labs", "-io", "hq", "-dev", "-org", "-team", "soft", "-ai", "-cloud"))


def repo_name(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return rng.choice(TECH) + rng.choice(("-", "", "_")) + rng.choice(TECH2)
    if r < 0.7:
        return rng.choice(TECH) + rng.choice(TECH)
    if r < 0.85:
        return rng.choice(TECH2) + "-" + str(rng.randint(1, 99))
    return rng.choice(("awesome-", "learn-", "my-", "")) + rng.choice(TECH) + rng.choice(("", "-" + rng.choice(TECH2)))


def lure_name(rng: random.Random) -> str:
    if rng.random() < 0.55:
        s = rng.choice(LURE_GAMES) + "-" + rng.choice(LURE_GAME_TAIL)
    else:
        s = rng.choice(LURE_APPS) + "-" + rng.choice(LURE_APP_TAIL)
    return s + rng.choice(("", "", "-2024", "-2024", "-Latest", "-v" + str(rng.randint(1, 9))))


def promo_name(rng: random.Random) -> str:
    return rng.choice(PROMO) + "-" + rng.choice(PROMO_TAIL) + rng.choice(("", "", "-Pro", "-v2", "-2024", "-Free"))


def sentence(rng: random.Random, lo: int = 4, hi: int = 14) -> str:
    w = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    return " ".join(w).capitalize()


def body(rng: random.Random, approx: int) -> str:
    """Markdown-ish text of roughly ``approx`` characters (with \\r\\n like GitHub bodies)."""
    parts = []
    n = 0
    while n < approx:
        r = rng.random()
        if r < 0.1:
            p = "### " + sentence(rng, 2, 5)
        elif r < 0.2:
            p = "```\n" + "\n".join(rng.choice(WORDS) + "(" + rng.choice(WORDS) + ") = " + str(rng.randint(0, 999)) for _ in range(rng.randint(2, 6))) + "\n```"
        elif r < 0.3:
            p = "- " + sentence(rng) + "\r\n- " + sentence(rng)
        else:
            p = ". ".join(sentence(rng) for _ in range(rng.randint(1, 4))) + "."
        parts.append(p)
        n += len(p) + 4
    return "\r\n\r\n".join(parts)
