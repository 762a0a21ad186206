"""The suite's Spark runs share one session (starting one costs seconds each time)."""
from __future__ import annotations


def test_one_spark_session_for_the_suite(spark):
    from starscope.engines.spark.session import spark_session

    app = spark.sparkContext.applicationId
    # what the engine code asks for (detect_store, ingest_spark, the tests' make_con) is it
    assert spark_session("local[2]") is spark
    assert spark_session("local[1]").sparkContext.applicationId == app
    # the suite's tiny-data settings are in force
    assert spark.conf.get("spark.sql.adaptive.enabled") == "false"
    assert spark.conf.get("spark.sql.codegen.wholeStage") == "false"


def test_a_running_session_keeps_its_settings(spark):
    """Asking for the session again (every detect and ingest does) keeps what its owner set,
    e.g. the `engine` fixture's one shuffle partition (it was reset to starscope's 4 for every
    hand-made Spark test: ~8 % more JVM CPU), and sets the time zone results depend on."""
    from starscope.engines.spark.session import spark_session

    prev = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        assert spark_session("local[2]") is spark
        assert spark.conf.get("spark.sql.shuffle.partitions") == "1"
        assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", prev)
        spark.conf.set("spark.sql.session.timeZone", "UTC")
