from conftest import World
from crm.privacy.models import DataSubjectRequest
from crm.privacy.requests import dsr_create


def erasure_request_for_walk(world: World) -> DataSubjectRequest:
    return dsr_create(
        customer=world.customer,
        kind=DataSubjectRequest.Kind.ERASURE,
        acting_user=world.manager,
        details="Asked by phone",
    )
