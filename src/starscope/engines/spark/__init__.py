"""The Apache Spark engine (extra ``.[spark]``: ``pip install -e '.[spark]'``; Java 17+).

Nothing here imports pyspark at module import time: ``session.spark_session()`` checks for
pyspark and Java first and says in one line what is missing.
"""
