"""Demo data for campaigns: marketing-email consent for most demo customers, two
segments, a win-back email in the five languages of the CRM and a draft campaign with a
coupon. Idempotent: everything is looked up by name (consent by customer) first, so a
second run creates nothing."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction

from campaigns import services
from campaigns.models import Campaign, Channel, MessageTemplate, Segment
from campaigns.segments.services import segment_create
from customers.consent import consent_bulk_grant
from customers.models import Consent, Customer

DEMO_ACTOR = "manager"  # the demo's marketing manager (customers.demo.STAFF)
CONSENT_SKIP_EVERY = 6  # one customer in six never said yes to marketing email
CONSENT_WORDING = "demo-2025-01"
SILENT_SEGMENT = "Silent customers"
RISK_SEGMENT = "High churn risk"
TEMPLATE_NAME = "Win-back email with a coupon"
CAMPAIGN_NAME = "Win back silent customers"
SEGMENTS = {
    SILENT_SEGMENT: (
        "Customers whose orders stopped: the win-back audience.",
        {"match": "all", "conditions": [{"field": "is_silent", "op": "is", "value": True}]},
    ),
    RISK_SEGMENT: (
        "Customers the churn model gives a risk of 60 % or more.",
        {
            "match": "all",
            "conditions": [{"field": "churn_probability", "op": "gte", "value": 0.6}],
        },
    ),
}
# language -> (subject, body); natural text in each, personalised with the safe variables.
WIN_BACK_TEXTS = {
    "en": (
        "{{ first_name }}, we have missed you",
        "Hello {{ first_name }},\n\n"
        "It has been a while since your last order, and we would love to see you again. "
        "Here is {{ coupon_value }} off your next order with the code {{ coupon_code }}, "
        "valid until {{ coupon_expires_on }}.\n\n"
        "Just give the code when you order online, by phone or in the shop.\n\n"
        "Warm regards,\nYour team",
    ),
    "lt": (
        "{{ first_name }}, mes Jūsų pasiilgome",
        "Sveiki, {{ first_name }},\n\n"
        "Jau kurį laiką nematėme Jūsų užsakymų, todėl labai norėtume vėl Jus pamatyti. "
        "Kitam užsakymui dovanojame {{ coupon_value }} nuolaidą – tiesiog nurodykite kodą "
        "{{ coupon_code }}. Kodas galioja iki {{ coupon_expires_on }}.\n\n"
        "Kodą galite panaudoti užsisakydami internetu, telefonu arba parduotuvėje.\n\n"
        "Pagarbiai\nJūsų komanda",
    ),
    "lv": (
        "{{ first_name }}, mums jūs pietrūkstat",
        "Sveiki, {{ first_name }}!\n\n"
        "Jau kādu laiku neesam saņēmuši jūsu pasūtījumu, un mēs ļoti vēlētos jūs atkal "
        "redzēt. Nākamajam pasūtījumam dāvinām {{ coupon_value }} atlaidi ar kodu "
        "{{ coupon_code }}, kas derīgs līdz {{ coupon_expires_on }}.\n\n"
        "Kodu varat izmantot, pasūtot internetā, pa tālruni vai veikalā.\n\n"
        "Ar cieņu\njūsu komanda",
    ),
    "pl": (
        "{{ first_name }}, tęsknimy za Tobą",
        "Dzień dobry, {{ first_name }}!\n\n"
        "Dawno nie widzieliśmy Twojego zamówienia i bardzo chcielibyśmy znów Cię gościć. "
        "Na kolejne zamówienie mamy dla Ciebie {{ coupon_value }} rabatu z kodem "
        "{{ coupon_code }}, ważnym do {{ coupon_expires_on }}.\n\n"
        "Kod możesz wykorzystać, zamawiając przez internet, telefonicznie lub w sklepie.\n\n"
        "Serdecznie pozdrawiamy\nTwój zespół",
    ),
    "el": (
        "{{ first_name }}, μας λείψατε",
        "Γεια σας, {{ first_name }},\n\n"
        "Έχει περάσει καιρός από την τελευταία σας παραγγελία και θα χαρούμε πολύ να σας "
        "ξαναδούμε. Σας προσφέρουμε έκπτωση {{ coupon_value }} στην επόμενη παραγγελία σας "
        "με τον κωδικό {{ coupon_code }}, που ισχύει έως {{ coupon_expires_on }}.\n\n"
        "Μπορείτε να χρησιμοποιήσετε τον κωδικό όταν παραγγέλνετε online, τηλεφωνικά ή "
        "στο κατάστημα.\n\n"
        "Με εκτίμηση,\nη ομάδα μας",
    ),
}


@dataclass
class CampaignDemoResult:
    created: dict[str, int] = field(default_factory=dict)


def _consents_grant() -> int:
    """Marketing-email consent for most customers who have never answered."""
    answered = Consent.objects.filter(purpose=Consent.Purpose.MARKETING_EMAIL)
    ids = (
        Customer.objects.exclude(pk__in=answered.values("customer_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = [pk for pk in ids if pk % CONSENT_SKIP_EVERY]
    if not chosen:
        return 0
    return consent_bulk_grant(
        customer_ids=chosen,
        purposes=[Consent.Purpose.MARKETING_EMAIL],
        source=Consent.Source.WEB,
        wording_version=CONSENT_WORDING,
    )


def _segments_ensure(actor: User | None) -> tuple[dict[str, Segment], int]:
    segments, created = {}, 0
    for name, (description, rules) in SEGMENTS.items():
        segment = Segment.objects.filter(name=name).first()
        if segment is None:
            segment = segment_create(
                acting_user=actor, name=name, rules=rules, description=description
            )
            created += 1
        segments[name] = segment
    return segments, created


def _template_ensure(actor: User) -> tuple[MessageTemplate, int]:
    template = MessageTemplate.objects.filter(name=TEMPLATE_NAME).first()
    if template is not None:
        return template, 0
    variants = {
        code: services.VariantData(subject=subject, body=body)
        for code, (subject, body) in WIN_BACK_TEXTS.items()
    }
    template = services.message_template_create(
        acting_user=actor, name=TEMPLATE_NAME, channel=Channel.EMAIL, variants=variants
    )
    return template, 1


def _campaign_ensure(actor: User, segment: Segment, template: MessageTemplate) -> int:
    if Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        return 0
    data = services.CampaignData(
        name=CAMPAIGN_NAME,
        channel=Channel.EMAIL,
        segment=segment,
        template=template,
        goal=Campaign.Goal.WIN_BACK,
        control_percent=10,
        attribution_days=30,
        coupon_percent=10,
        coupon_valid_days=30,
    )
    services.campaign_create(acting_user=actor, data=data)
    return 1


@transaction.atomic
def demo_campaigns_create() -> CampaignDemoResult:
    """Needs the demo staff (demo_data); without the demo manager, only consent and
    segments are made."""
    result = CampaignDemoResult()
    actor = User.objects.filter(username=DEMO_ACTOR).first()
    result.created["consents"] = _consents_grant()
    segments, result.created["segments"] = _segments_ensure(actor)
    if actor is None:
        return result
    template, result.created["templates"] = _template_ensure(actor)
    result.created["campaigns"] = _campaign_ensure(actor, segments[SILENT_SEGMENT], template)
    return result
