"""Results pages: one campaign's panel (loaded by htmx into the campaign page) and the
overview of all campaigns and automations for managers, with its CSV. All need
campaigns.view_campaign_results."""

from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from campaigns.results import presenting
from campaigns.results.selectors import (
    NEW_CUSTOMER_DAYS,
    OVERVIEW_BREAKDOWNS,
    CampaignResults,
    campaign_results_for_user,
    results_overview_for_user,
)
from campaigns.selectors import VIEW_RESULTS


def _breakdown_labels() -> list[tuple[str, str]]:
    return [
        ("channel", _("Channel")),
        ("goal", _("Goal")),
        ("new", _("New vs existing customers")),
        ("segment", _("Segment")),
    ]


def panel_context(results: CampaignResults) -> dict[str, Any]:
    overall = results.overall
    return {
        "results": results,
        "overall": overall,
        "measures": presenting.measure_rows(overall),
        "incremental_revenue": presenting.money(overall.incremental_revenue_cents, signed=True),
        "coupon_cost": presenting.money(results.coupon_cost_cents),
        "roi": presenting.roi(results.roi),
        "opened_rate": presenting.rate(
            overall.treated.opened / overall.treated.n if overall.treated.n else None
        ),
        "clicked_rate": presenting.rate(
            overall.treated.clicked / overall.treated.n if overall.treated.n else None
        ),
        "slices": [
            {"comparison": s, "measures": presenting.measure_rows(s)[:1]} for s in results.breakdown
        ],
        "chart": presenting.rates_chart(overall),
        "chart_id": f"results-chart-{results.campaign.pk}",
        "new_customer_days": NEW_CUSTOMER_DAYS,
    }


@login_required
@permission_required(VIEW_RESULTS, raise_exception=True)
@require_GET
def results_panel(request: HttpRequest, campaign_id: int) -> HttpResponse:
    results = campaign_results_for_user(user=request.user, campaign_id=campaign_id, by="new")
    return render(request, "campaigns/results/_panel.html", panel_context(results))


def _by(request: HttpRequest) -> str:
    by = request.GET.get("by", "channel")
    return by if by in OVERVIEW_BREAKDOWNS else "channel"


@login_required
@permission_required(VIEW_RESULTS, raise_exception=True)
@require_GET
def results_overview(request: HttpRequest) -> HttpResponse:
    by = _by(request)
    overview = results_overview_for_user(user=request.user, by=by)
    rows = [
        {
            "row": row,
            "reactivation": presenting.measure_rows(row.comparison)[0],
            "revenue": presenting.measure_rows(row.comparison)[3],
            "incremental_revenue": presenting.money(
                row.comparison.incremental_revenue_cents, signed=True
            ),
            "coupon_cost": presenting.money(row.coupon_cost_cents),
            "roi": presenting.roi(row.roi),
        }
        for row in overview.rows
    ]
    slices = [{"comparison": s, "measures": presenting.measure_rows(s)} for s in overview.breakdown]
    context = {
        "rows": rows,
        "slices": slices,
        "by": by,
        "breakdowns": _breakdown_labels(),
        "chart": presenting.uplift_chart(overview.breakdown),
        "new_customer_days": NEW_CUSTOMER_DAYS,
    }
    return render(request, "campaigns/results/overview.html", context)


@login_required
@permission_required(VIEW_RESULTS, raise_exception=True)
@require_GET
def results_export(request: HttpRequest) -> HttpResponse:
    overview = results_overview_for_user(user=request.user, by=_by(request))
    response = HttpResponse(
        presenting.overview_csv(overview), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="campaign-results-{stamp}.csv"'
    return response
