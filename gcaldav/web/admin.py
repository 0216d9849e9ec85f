"""The administrators' page: every user's accounts and calendars at a glance, and the numbers
of ``/metrics`` in words (parsed back with prometheus_client's own parser)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from .pages import page, render


@page(admin=True)
def admin(request, app, session):
    body, _ = app.bridge.metrics_page()
    return render("admin.html", session, report=app.bridge.status(),
                  metrics=list(_in_words(body.decode())), health=app.bridge.health()[1])


def _in_words(text: str):
    """(what it counts, labels in words, value) per sample, buckets left out."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith(("_bucket", "_created")):
                continue
            labels = ", ".join(f"{k} {v}" for k, v in sorted(sample.labels.items()))
            what = family.documentation + (" (count)" if sample.name.endswith("_count") else
                                           " (sum)" if sample.name.endswith("_sum") else "")
            yield what, labels, f"{sample.value:g}"
