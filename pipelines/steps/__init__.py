"""The commerce pipelines' stages, one module each: short functions over the domain apps'
services, shared by the ``buyma`` and ``product_sync`` workflows."""
