"""The API against its own schema (issue 11, item 9): schemathesis sends generated requests to every
operation of /api/v1/schema/ on the live test server with a manager's token. Any 5xx, or any answer the
schema does not describe (status code, content type, body, headers), fails the run; so does an operation
that answers without the token, or a method it does not offer that is not a 405.

Two kinds of input per operation, schema-valid and schema-violating: neither may meet a 5xx, and every
answer must be one the schema documents (a refusal: a documented 4xx with the documented body). Path ids
are drawn half the time from real objects of the manager's tenant (each app's tests/<app>/walk.py makes
them, as for the cross-tenant walk), so generated bodies reach the services instead of stopping at a 404.

Bounded: FUZZ_EXAMPLES examples per operation and kind, derandomized (the same cases on every run, so CI
is repeatable), about 80 s on a 2-core machine; by hand, KEYSTONE_FUZZ_EXAMPLES=200 runs a longer
one and KEYSTONE_FUZZ_RANDOM=1 draws new cases. Not checked, on purpose: that every schema-valid body is
accepted (business rules refuse many with a documented 400) and that unknown query parameters are refused
(Django ignores them, like most APIs)."""

import http.cookiejar
import json
import os
import time
import zlib

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenancy.models import Role
from tests.conftest import api_client_for
from tests.test_tenant_walk import _walk_objects

FUZZ_EXAMPLES = int(os.environ.get("KEYSTONE_FUZZ_EXAMPLES", "10"))
FUZZ_RANDOM = os.environ.get("KEYSTONE_FUZZ_RANDOM") == "1"  # new cases each run (by hand), not CI's fixed ones
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
METHODS = ("get", "post", "put", "patch", "delete", "trace")

pytestmark = pytest.mark.fuzz


def _served_schema() -> dict:
    """What /api/v1/schema/ serves (its view renders this generator's output; the first test checks the
    live server's answer is the same), built at collection time, when no server runs yet."""
    from drf_spectacular.generators import SchemaGenerator

    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


SCHEMA = _served_schema()
schema = schemathesis.openapi.from_dict(SCHEMA)


@pytest.fixture
def manager(tenant_a, make_member):
    """A manager of tenant A with a token, and one real object of the tenant for every id keyword."""
    member = make_member(tenant_a, Role.MANAGER)
    admin = make_member(tenant_a, Role.ADMIN)
    member.known_ids = {keyword: make(admin) for keyword, make in _walk_objects().items()}
    member.auth = api_client_for(member)._credentials["HTTP_AUTHORIZATION"]
    return member


def _with_known_ids(path_parameters: dict, known_ids: dict) -> dict:
    """Half the generated path ids (a stable half: the run is repeatable) become the tenant's real objects."""
    return {
        name: known_ids[name] if name in known_ids and zlib.crc32(f"{name}={value}".encode()) % 2 else value
        for name, value in path_parameters.items()
    }


def test_the_fuzzed_schema_is_the_one_the_server_serves(live_server):
    served = requests.get(
        f"{live_server.url}/api/v1/schema/", headers={"Accept": "application/vnd.oai.openapi+json"}, timeout=30
    )
    assert served.status_code == 200
    assert served.json() == SCHEMA


def test_every_operation_needs_the_token_and_undeclared_methods_are_405(live_server, manager):
    wrong = []
    for path, operations in SCHEMA["paths"].items():
        if path.endswith(("/schema/", "/docs/")):
            continue
        url = live_server.url + path.format(**{name: 1 for name in manager.known_ids} | {"visit_id": 1})
        for method in METHODS:
            if method in operations:
                status = requests.request(method, url, timeout=30).status_code
                if status != 401:
                    wrong.append(f"{method.upper()} {path} without a token: {status}")
            else:
                status = requests.request(method, url, headers={"Authorization": manager.auth}, timeout=30).status_code
                if status != 405:
                    wrong.append(f"{method.upper()} {path} (not offered): {status}")
    assert wrong == []


def test_every_operation_answers_as_its_schema_says(live_server, manager, request):
    failures, started, requests_sent = [], time.monotonic(), 0
    # One keep-alive connection for the whole run (a new one per request made the server start a thread
    # and a database session for each); it keeps no cookie, so every request stands on its token alone.
    # Closed at the end: the server thread holding it keeps a database session open until then.
    session = requests.Session()
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    request.addfinalizer(session.close)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")  # deletes last: the ids stay real
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                derandomize=not FUZZ_RANDOM,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                nonlocal requests_sent
                if case.path_parameters:
                    case.path_parameters = _with_known_ids(case.path_parameters, manager.known_ids)
                requests_sent += 1
                case.call_and_validate(
                    base_url=live_server.url,
                    session=session,
                    headers={"Authorization": manager.auth},
                    checks=CHECKS,
                    timeout=30,
                )

            try:
                run()
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collected for one report
                failures.append(f"{operation.label} ({mode.value}): {error}")
    print(f"fuzz: {len(operations)} operations, {requests_sent} requests in {time.monotonic() - started:.0f} s")
    assert not failures, "\n\n".join(failures)
