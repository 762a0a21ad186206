from starscope.cli import main

main()
