"""Customers import: the optional time zone and consent columns."""

from conftest import World
from customers.models import Consent, ConsentChange, Customer
from interactions.imports.models import ImportJob, ImportKind
from interactions.imports.tests.factories import import_job_make, import_run

HEADER = "ref,name,time_zone,marketing_email_consent,profiling_consent\n"


def test_time_zone_and_consent_columns_are_imported_with_source_import(world: World) -> None:
    content = HEADER + "K1,Ona,europe/vilnius,yes,no\nK2,Jonas,,,\n"
    job = import_job_make(world.manager, ImportKind.CUSTOMERS, content, team=world.north)
    assert job.mapping["marketing_email_consent"] == "marketing_email_consent"

    done = import_run(job, dry_run=False)

    assert done.status == ImportJob.Status.DONE, done.report
    ona = Customer.objects.get(external_ref="K1")
    assert ona.time_zone == "Europe/Vilnius"
    answers = dict(Consent.objects.filter(customer=ona).values_list("purpose", "is_granted"))
    assert answers == {"marketing_email": True, "profiling": False}
    assert set(Consent.objects.filter(customer=ona).values_list("source", flat=True)) == {"import"}
    jonas = Customer.objects.get(external_ref="K2")
    assert (jonas.time_zone, jonas.consents.count()) == ("", 0)


def test_reimport_changes_only_changed_answers_and_empty_cells_keep_them(world: World) -> None:
    import_run(
        import_job_make(world.admin, ImportKind.CUSTOMERS, HEADER + "K1,Ona,,yes,no\n"),
        dry_run=False,
    )
    done = import_run(
        import_job_make(world.admin, ImportKind.CUSTOMERS, HEADER + "K1,Ona,,yes,\n"),
        dry_run=False,
    )
    assert done.report["unchanged"] == 1
    again = import_run(
        import_job_make(world.admin, ImportKind.CUSTOMERS, HEADER + "K1,Ona,,no,yes\n"),
        dry_run=False,
    )
    assert again.report["updated"] == 1
    ona = Customer.objects.get(external_ref="K1")
    assert dict(ona.consents.values_list("purpose", "is_granted")) == {
        "marketing_email": False,
        "profiling": True,
    }
    assert ConsentChange.objects.filter(customer=ona).count() == 4


def test_bad_time_zone_or_answer_is_a_row_and_column_error_and_nothing_is_written(
    world: World,
) -> None:
    content = HEADER + "K1,Ona,Europe/Vilnius,yes,\nK2,Jonas,Mars/Olympus,maybe,\n"

    job = import_run(import_job_make(world.admin, ImportKind.CUSTOMERS, content), dry_run=False)

    assert job.status == ImportJob.Status.FAILED
    assert job.report["errors"] == [
        [3, "marketing_email_consent", "“maybe” is not yes or no."],
        [3, "time_zone", "“Mars/Olympus” is not a known time zone."],
    ]
    assert not Customer.objects.filter(external_ref__in=["K1", "K2"]).exists()
    assert not Consent.objects.exists()
