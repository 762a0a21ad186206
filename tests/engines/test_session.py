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
