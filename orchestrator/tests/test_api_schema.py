"""Every operation of the live OpenAPI schema, driven by generated requests: no 5xx.

The schema is read from the WSGI application in-process (``/api/schema/``, token auth) over a
database seeded with a finished batch that has a failing partition, a schedule, a source
data record and a listing. Half of the generated path ids are replaced with those real ones,
so the operations reach their code and not only their 404s.
"""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orchestrator import NO_RETRY

EXAMPLES = 15
_turn = itertools.count()


def _seed(make_workflow, run_batch) -> dict[str, object]:
    from markets.models import Listing
    from markets.services import listing_publish, market_account_create
    from markets.tests.conftest import SETTINGS, make_content
    from orchestrator.models import StageRun
    from orchestrator.services.schedules import schedule_create
    from source_data.models import SourceData
    from source_data.services import source_data_upsert_many
    from source_data.tests.factories import product

    wf = make_workflow(
        "schema", partitions=["a", "b"], modes={"full": "__all__", "partial": ["one"]}
    )

    def body(ctx, partition):
        if partition == "b" and ctx.stage == "two":
            raise RuntimeError("boom")
        return 1

    wf.stage(body, name="one", retry=NO_RETRY)
    wf.stage(body, name="two", after="one", retry=NO_RETRY)
    batch = run_batch(wf)
    schedule = schedule_create(f"{wf.name}-hourly", workflow=wf.name, cron="0 * * * *")
    source_data_upsert_many([product("S-1", normalized={"title": "shirt"})])
    account = market_account_create(name="schema", settings=SETTINGS, dry_run=True)
    listing_publish(account=account, content=make_content("okm-1"))

    return {
        "batch_id": batch.id,
        "cell_id": StageRun.objects.filter(batch=batch, status="ERROR").first().id,
        "name": schedule.name,
        "pk": SourceData.objects.get(source_id="S-1").id,
        "listing_pk": Listing.objects.get(reference_number="okm-1").id,
    }


def _openapi() -> dict:
    """The document ``/api/schema/`` serves, generated in-process at collection time (the
    schema loader of schemathesis' pytest fixtures does not run on this pytest)."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


schema = schemathesis.openapi.from_dict(_openapi())


@pytest.fixture
def seeded(transactional_db, make_workflow, run_batch, user_as):
    from access.services import token_for

    found = _seed(make_workflow, run_batch)
    found["tokens"] = {role: token_for(user_as(role)) for role in ("viewer", "operator", "admin")}
    return found


def test_the_served_schema_is_the_one_tested(api_as):
    served = api_as("viewer").get("/api/schema/?format=json")
    assert served.status_code == 200
    assert sorted(served.json()["paths"]) == sorted(schema.raw_schema["paths"])


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.mark.parametrize("role", ["operator", "viewer"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_server_error_or_off_its_schema(case, seeded, role):
    """As an operator (an admin for PATCH) every request reaches its view; as a viewer the
    writes are refused. Either way: no 5xx, and every answer is one the schema documents."""
    from yooini.wsgi import application

    if case.path_parameters and next(_turn) % 2 == 0:
        for key in list(case.path_parameters):
            real = "listing_pk" if key == "pk" and "/listings/" in case.path else key
            if real in seeded:
                case.path_parameters[key] = seeded[real]
    if role == "operator" and case.method.upper() == "PATCH":
        role = "admin"
    response = case.call(
        app=application, headers={"Authorization": f"Token {seeded['tokens'][role]}"}
    )
    if role != "viewer" or case.method.upper() in ("GET", "HEAD", "OPTIONS"):
        assert response.status_code not in (401, 403), response.text  # reaches the view
    case.validate_response(response, checks=CHECKS)
