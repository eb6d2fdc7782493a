"""The public share page: plain server-rendered HTML and CSS, no JavaScript.

Accessible (landmarks, headings in order, alt text, status in words not only colour, focus
styles, AA contrast), phone-first (one column, fluid images). Everything from a credential is
escaped; only https/data images and http(s) evidence links are rendered as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any
from urllib.parse import urlencode

from skillpass.vc.validation import as_list
from skillpass.wallet.domain.credentials import achievement_of
from skillpass.wallet.domain.holdings import Holding, Status
from skillpass.wallet.domain.verification import VerificationReport
from skillpass.wallet.service_layer.views import SharedCredential, SharedView

LINKEDIN_ADD = "https://www.linkedin.com/profile/add"

CSS = """
:root { color-scheme: light; --ink:#1b1f24; --muted:#4a5360; --line:#d5dae1; --ok:#0b6b2f;
  --bad:#a4161a; --warn:#7a4d00; --accent:#0a58ca; --bg:#f5f7fa; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
header, main, footer { max-width: 44rem; margin: 0 auto; padding: 1rem; }
header p { margin:0; color:var(--muted); }
.card { background:#fff; border:1px solid var(--line); border-radius:12px; padding:1.25rem;
  margin-bottom:1.5rem; }
.badge { display:flex; gap:1rem; align-items:flex-start; flex-wrap:wrap; }
.badge img { width:120px; height:120px; object-fit:contain; border-radius:8px;
  background:var(--bg); }
.badge .placeholder { width:120px; height:120px; border-radius:8px; background:var(--line);
  display:flex; align-items:center; justify-content:center; color:var(--muted); }
h1 { font-size:1.5rem; margin:.25rem 0; } h2 { font-size:1.25rem; margin:0 0 .25rem; }
h3 { font-size:1.05rem; margin:1.25rem 0 .5rem; }
dl { display:grid; grid-template-columns: max-content 1fr; gap:.25rem 1rem; margin:.5rem 0; }
dt { color:var(--muted); } dd { margin:0; overflow-wrap:anywhere; }
ul { padding-left:1.25rem; margin:.25rem 0; }
.tags { list-style:none; padding:0; display:flex; flex-wrap:wrap; gap:.5rem; }
.tags li { border:1px solid var(--line); border-radius:999px; padding:.1rem .7rem; }
.verdict { font-weight:700; padding:.5rem .75rem; border-radius:8px; margin:.5rem 0; }
.verdict.ok { color:var(--ok); background:#e7f5ec; } .verdict.bad { color:var(--bad);
  background:#fbeaea; }
.state { font-weight:700; } .state.revoked, .state.suspended { color:var(--bad); }
.checks li { margin:.15rem 0; overflow-wrap:anywhere; } .outcome { font-weight:600; }
.outcome.passed { color:var(--ok); } .outcome.failed, .outcome.error { color:var(--bad); }
.outcome.skipped, .outcome.warning { color:var(--warn); }
.actions { display:flex; flex-wrap:wrap; gap:.75rem; margin-top:1rem; }
.button { display:inline-block; padding:.6rem 1rem; border-radius:8px; text-decoration:none;
  font-weight:600; border:2px solid var(--accent); color:var(--accent); min-height:44px; }
.button.primary { background:var(--accent); color:#fff; }
a:focus-visible, .button:focus-visible { outline:3px solid #ffbf47; outline-offset:2px; }
footer { color:var(--muted); font-size:.875rem; }
@media (max-width: 30rem) { dl { grid-template-columns: 1fr; } dt { margin-top:.4rem; } }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _image_src(url: str | None) -> str | None:
    if url and (url.startswith("https://") or url.startswith("data:image/")):
        return url
    return None


def _web_link(url: object) -> str | None:
    if isinstance(url, str) and (url.startswith("https://") or url.startswith("http://")):
        return url
    return None


def _date(moment: Any) -> str:
    return moment.strftime("%d %B %Y") if moment is not None else "—"


def linkedin_url(holding: Holding, *, cert_url: str) -> str | None:
    summary = holding.summary
    if summary is None:
        return None
    params: dict[str, str] = {
        "startTask": "CERTIFICATION_NAME",
        "name": summary.achievement_name or summary.name,
        "organizationName": summary.issuer_name or summary.issuer_id,
    }
    if summary.valid_from is not None:
        params |= {
            "issueYear": str(summary.valid_from.year),
            "issueMonth": str(summary.valid_from.month),
        }
    if summary.valid_until is not None:
        params |= {
            "expirationYear": str(summary.valid_until.year),
            "expirationMonth": str(summary.valid_until.month),
        }
    params |= {"certUrl": cert_url, "certId": summary.credential_id}
    return f"{LINKEDIN_ADD}?{urlencode(params)}"


def _report(report: VerificationReport | None, index: int, sub: str) -> str:
    if report is None:
        return ""
    verdict = (
        '<p class="verdict ok" role="status">✓ Verified just now: no check failed.</p>'
        if report.verified
        else '<p class="verdict bad" role="status">✗ Not verified: see the checks below.</p>'
    )
    lines = "".join(
        f'<li><span class="outcome {_e(c.outcome)}">{_e(c.outcome)}</span> '
        f"{_e(c.check)}{': ' + _e(c.reason) if c.reason else ''}</li>"
        for c in report.checks
    )
    return (
        f'<section aria-labelledby="verification-{index}"><{sub} id="verification-{index}">'
        f'Verification</{sub}>{verdict}<ul class="checks">{lines}</ul></section>'
    )


def _evidence(credential: Mapping[str, Any], sub: str) -> str:
    items = []
    for evidence in as_list(credential.get("evidence")):
        if not isinstance(evidence, Mapping):
            continue
        name = evidence.get("name") or evidence.get("genre") or "Evidence"
        link = _web_link(evidence.get("id"))
        title = f'<a href="{_e(link)}" rel="nofollow noopener">{_e(name)}</a>' if link else _e(name)
        narrative = evidence.get("narrative") or evidence.get("description")
        items.append(f"<li>{title}{' — ' + _e(narrative) if narrative else ''}</li>")
    if not items:
        return ""
    return f"<{sub}>Evidence</{sub}><ul>{''.join(items)}</ul>"


def _skills(holding: Holding, sub: str) -> str:
    skills = holding.summary.skills if holding.summary else ()
    if not skills:
        return ""
    tags = "".join(
        f"<li>{_e(s.name)}{' (' + _e(s.framework) + ')' if s.framework else ''}</li>"
        for s in skills
    )
    return f'<{sub}>Skills</{sub}><ul class="tags">{tags}</ul>'


def _card(shared: SharedCredential, index: int, *, share_url: str, level: int) -> str:
    heading, sub = f"h{level}", f"h{level + 1}"
    holding = shared.holding
    summary = holding.summary
    credential = holding.credential or {}
    if summary is None:
        return ""
    src = _image_src(summary.image_url)
    image = (
        f'<img src="{_e(src)}" alt="Badge image for {_e(summary.achievement_name or summary.name)}"'
        ' width="120" height="120">'
        if src
        else '<div class="placeholder" aria-hidden="true">Badge</div>'
    )
    status = holding.status
    state = f'<span class="state {status.value}">{status.value.capitalize()}</span>'
    if status is not Status.ACTIVE and holding.track.reason:
        state += f" — {_e(holding.track.reason)}"
    issuer = _e(summary.issuer_name or summary.issuer_id)
    linkedin = linkedin_url(holding, cert_url=share_url)
    json_link = f"{share_url}?{urlencode({'format': 'json', 'credential': holding.id})}"
    actions = [f'<a class="button" href="{_e(json_link)}" download>Download credential (JSON)</a>']
    if linkedin is not None and status is Status.ACTIVE:
        actions.insert(
            0,
            f'<a class="button primary" href="{_e(linkedin)}" rel="noopener" target="_blank">'
            "Add to LinkedIn profile</a>",
        )
    description = f"<p>{_e(summary.description)}</p>" if summary.description else ""
    criteria = ""
    narrative = achievement_of(credential).get("criteria")
    if isinstance(narrative, Mapping) and narrative.get("narrative"):
        criteria = f"<{sub}>Criteria</{sub}><p>{_e(narrative['narrative'])}</p>"
    return f"""
<article class="card" aria-labelledby="credential-{index}">
  <div class="badge">{image}
    <div>
      <{heading} id="credential-{index}">{_e(summary.achievement_name or summary.name)}</{heading}>
      <p>Issued by <strong>{issuer}</strong></p>
    </div>
  </div>
  {description}
  <dl>
    <dt>Status</dt><dd>{state}</dd>
    <dt>Type</dt><dd>{_e(summary.achievement_type or "Achievement")}</dd>
    <dt>Issued</dt><dd>{_date(summary.valid_from)}</dd>
    <dt>Expires</dt><dd>{_date(summary.valid_until)}</dd>
    <dt>Issuer ID</dt><dd>{_e(summary.issuer_id)}</dd>
    <dt>Credential ID</dt><dd>{_e(summary.credential_id)}</dd>
  </dl>
  {_skills(holding, sub)}
  {criteria}
  {_evidence(credential, sub)}
  {_report(shared.report, index, sub)}
  <div class="actions">{"".join(actions)}</div>
</article>"""


def render_share_page(view: SharedView, *, share_url: str) -> str:
    level = 1 if len(view.credentials) == 1 else 2
    cards = [_card(c, i, share_url=share_url, level=level) for i, c in enumerate(view.credentials)]
    only = view.credentials[0].holding.summary if len(view.credentials) == 1 else None
    title = (
        (only.achievement_name or only.name)
        if only is not None
        else f"{len(view.credentials)} shared credentials"
    )
    intro = "" if only is not None else "<h1>Shared credentials</h1>"
    body = "".join(cards) or "<p>No credentials are shared through this link any more.</p>"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{_e(title)} · skillpass</title>
<style>{CSS}</style>
</head>
<body>
<header><p>skillpass · verifiable credential</p></header>
<main>
{intro}
{body}
</main>
<footer><p>This page shows only what its holder chose to share. It stops working when the link
expires or is revoked. The verification above was run when this page was loaded.</p></footer>
</body>
</html>
"""
