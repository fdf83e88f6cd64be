"""One self-contained HTML page: verdict banner, counts, a sortable and filterable findings table.

Everything is inline (CSS, JS, no fonts or images), and a Content-Security-Policy meta tag forbids
loading anything else, so the page works offline and from a CI artifact store. All text goes through
the same redaction as every other format, then through `html.escape`; the script never reads finding
text, it only sorts and hides rows by their data attributes, so report content cannot become code.
Filters can be preset from the URL fragment: `report.html#state=blocking&tool=bandit&cwe=CWE-89`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from gate.findings import Finding, FindingState
from gate.report import Report, Verdict
from gate.reporters import common
from gate.reporters.base import Reporter

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)


def text(value: object) -> str:
    """Escaped for HTML; control characters shown as `\\xNN` instead of reaching the page raw."""
    visible = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", str(value))
    return html.escape(visible, quote=True)


def link(url: str | None, label: str) -> str:
    """An anchor for http(s) URLs only: a `javascript:` help URI from a rule file stays plain text."""
    if url and _SAFE_LINK.match(url):
        return f'<a href="{text(url)}" rel="noopener noreferrer">{text(label)}</a>'
    return text(label)


def state_key(finding: Finding) -> str:
    if finding.state is not FindingState.OPEN:
        return str(finding.state.value)
    if finding.blocking:
        return "blocking"
    return "advisory" if getattr(finding, "advisory", False) else "open"


def extra(finding: Finding, key: str) -> str:
    return str(next((value for name, value in finding.extra if name == key), ""))


def snippet_block(finding: Finding) -> str:
    """The flagged lines, numbered from the finding's start line, with those lines marked."""
    if not finding.snippet:
        return ""
    start = finding.location.start_line if finding.location and finding.location.start_line > 0 else 0
    end = max(finding.location.end_line, start) if finding.location else 0
    rows = []
    for offset, line in enumerate(finding.snippet.splitlines() or [""]):
        number = start + offset if start else 0
        marked = not start or start <= number <= end
        rows.append(
            f'<span class="ln{" hit" if marked else ""}"><span class="no">{number or ""}</span>'
            f"{'&#9654; ' if marked else '  '}{text(line)}</span>"
        )
    return f'<pre class="snippet">{"".join(rows)}</pre>'


def _field(step: Any, *names: str) -> Any:
    for name in names:
        value = step.get(name) if isinstance(step, dict) else getattr(step, name, None)
        if value not in (None, ""):
            return value
    return None


def trace_block(finding: Finding) -> str:
    """Source → sink steps, when the finding has a trace (taint rules); tolerant of the step's shape."""
    steps = getattr(finding, "trace", None) or ()
    if not steps:
        return ""
    from gate.redact import redact  # steps quote code, which may hold a credential like any snippet

    items = []
    for step in steps:
        where = _field(step, "location")
        path = _field(where, "path") if where is not None else _field(step, "path", "file")
        line = _field(where, "start_line", "line") if where is not None else _field(step, "start_line", "line")
        place = f"{path}:{line}" if path and line else (str(path) if path else "")
        label = _field(step, "kind", "role", "label")
        note = _field(step, "message", "note", "description")
        code = _field(step, "snippet", "code", "content")
        parts = [f'<span class="step-kind">{text(label)}</span>' if label else ""]
        parts.append(f"<code>{text(place)}</code>" if place else "")
        parts.append(text(redact(str(note))) if note else "")
        if code:
            parts.append(f'<pre class="snippet step">{text(redact(str(code)))}</pre>')
        if not any(parts):
            parts = [text(redact(str(step)))]
        items.append(f"<li>{' '.join(p for p in parts if p)}</li>")
    return f'<div class="trace"><h4>Source &rarr; sink</h4><ol>{"".join(items)}</ol></div>'


def _evidence(finding: Finding) -> str:
    """flow / exact / shape: how sure the scanner is that this is reachable (shape-only findings may be advisory)."""
    evidence = getattr(finding, "evidence", None)
    return str(getattr(evidence, "value", evidence or ""))


def finding_body(finding: Finding, index: int, expanded: bool = False) -> str:
    """One <tbody> per finding: the summary row and its details row travel together when sorted."""
    state = state_key(finding)
    cwes = " ".join(finding.cwe)
    tools = " ".join(finding.sources or (finding.tool,))
    where = common.location_label(finding)
    facts = [
        f"<p>{text(finding.message)}</p>",
        f"<p>{text(common.dependency_summary(finding))}</p>" if finding.is_dependency else "",
        f'<p class="waiver">Waiver {text(finding.waiver_id or "")}: {text(finding.waiver_justification or "")}</p>'
        if finding.state is FindingState.WAIVED
        else "",
        f"<p>{link(finding.help_uri, 'More information')}</p>" if finding.help_uri else "",
        snippet_block(finding),
        trace_block(finding),
        f'<p class="fp">evidence {text(_evidence(finding))}</p>' if _evidence(finding) else "",
        f'<p class="fp">fingerprint <code>{text(finding.fingerprint)}</code></p>' if finding.fingerprint else "",
    ]
    is_open = " open" if expanded else ""
    return (
        f'<tbody class="finding" data-severity="{finding.severity.label}" data-rank="{int(finding.severity)}"'
        f' data-state="{state}" data-tools="{text(tools)}" data-cwe="{text(cwes)}" data-where="{text(where)}"'
        f' data-rule="{text(finding.rule_id)}" data-order="{index}">'
        f'<tr class="row"><td><span class="sev sev-{finding.severity.label}">{finding.severity.label}</span></td>'
        f'<td><span class="state st-{state}">{text(state)}</span></td>'
        f"<td><code>{text(where)}</code></td><td><code>{text(finding.rule_id)}</code></td>"
        f"<td>{text(common.sources_label(finding))}</td><td>{text(', '.join(finding.cwe))}</td>"
        f"<td>{text(finding.title or finding.rule_id)}</td></tr>"
        f'<tr class="more"><td colspan="7"><details{is_open}><summary>details</summary>'
        f"{''.join(f for f in facts if f)}</details></td></tr></tbody>"
    )


_HEADER = (
    "<thead><tr>"
    '<th data-key="rank" aria-sort="descending">severity</th><th data-key="state">state</th>'
    '<th data-key="where">where</th><th data-key="rule">rule</th><th data-key="tools">found by</th>'
    '<th data-key="cwe">CWE</th><th>finding</th>'
    "</tr></thead>"
)


def findings_table(findings: Sequence[Finding], table_id: str, start: int = 0) -> str:
    # Expanded up front: the first finding with a source-to-sink trace, else the first one.
    shown = next((i for i, f in enumerate(findings) if getattr(f, "trace", ())), 0) if start == 0 else -1
    bodies = "".join(finding_body(f, start + i, expanded=i == shown) for i, f in enumerate(findings))
    return f'<table class="findings" id="{table_id}">{_HEADER}{bodies}</table>'


def select(name: str, values: Iterable[str]) -> str:
    options = "".join(f'<option value="{text(v)}">{text(v)}</option>' for v in values)
    return f'<label>{name} <select data-filter="{name}"><option value="">all</option>{options}</select></label>'


def filters(report: Report) -> str:
    present = [s.label for s in common.WORST_FIRST if any(f.severity is s for f in report.findings)]
    order = ("blocking", "open", "advisory", "waived", "baselined")
    states = [s for s in order if any(state_key(f) == s for f in report.findings)]
    tools = sorted({t for f in report.findings for t in (f.sources or (f.tool,))})
    cwes = sorted({c for f in report.findings for c in f.cwe}, key=lambda c: (len(c), c))
    return (
        f'<div class="filters">{select("severity", present)}{select("state", states)}{select("tool", tools)}'
        f'{select("cwe", cwes)}<span id="shown" aria-live="polite"></span></div>'
    )


def counts(report: Report) -> str:
    by_severity = report.count_by_severity()
    cards = [
        f'<div class="card sev-{s.label}"><b>{by_severity[s]}</b><span>{s.label}</span></div>'
        for s in common.WORST_FIRST
    ]
    states = [
        ("blocking", len(report.blocking)),
        ("waived", sum(f.state is FindingState.WAIVED for f in report.findings)),
        ("baselined", sum(f.state is FindingState.BASELINED for f in report.findings)),
    ]
    cards += [f'<div class="card st-{name}"><b>{count}</b><span>{name}</span></div>' for name, count in states]
    return f'<section class="counts" aria-label="open findings per severity">{"".join(cards)}</section>'


def waivers_section(report: Report) -> str:
    waived = [f for f in report.findings if f.state is FindingState.WAIVED]
    if not waived:
        return ""
    rows = "".join(
        f"<tr><td><code>{text(f.waiver_id or '')}</code></td><td>{text(extra(f, 'waiver_owner') or 'unknown')}</td>"
        f"<td>{text(extra(f, 'waiver_expires') or 'never')}</td><td><code>{text(common.location_label(f))}</code> "
        f"<code>{text(f.rule_id)}</code></td><td>{text(f.waiver_justification or '')}</td></tr>"
        for f in waived
    )
    return (
        '<section id="waivers"><h2>Waivers</h2><table class="plain"><thead><tr><th>waiver</th><th>owner</th>'
        f"<th>expires</th><th>finding</th><th>justification</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def scanners_section(report: Report) -> str:
    items = "".join(
        f'<li class="{"failed" if s.failed else ""}">{text(common.scanner_line(s))}</li>' for s in report.scanners
    )
    warnings = "".join(f"<li>{text(w)}</li>" for w in report.warnings)
    resolved = (
        f"<p>{text(common.plural(len(report.resolved), 'baselined finding'))} no longer found.</p>"
        if report.resolved
        else ""
    )
    notes = f"<h3>Warnings</h3><ul>{warnings}</ul>" if warnings else ""
    return f'<section id="scanners"><h2>Scanners</h2><ul>{items}</ul>{notes}{resolved}</section>'


def banner(report: Report) -> str:
    reasons = "".join(f"<li>{text(r)}</li>" for r in report.reasons)
    return (
        f'<header class="verdict v-{report.verdict.value}" id="verdict">'
        f"<h1>{text(common.verdict_summary(report))}</h1>"
        f'<p>Environment <b id="environment">{text(report.environment)}</b> &middot; target '
        f"<code>{text(report.target)}</code> &middot; {text(report.started_at)} &middot; hardgate "
        f"{text(report.hardgate_version)} &middot; policy {text(report.policy_source or 'embedded defaults')}</p>"
        f"{f'<ul class=reasons>{reasons}</ul>' if reasons else ''}</header>"
    )


_TITLES = {Verdict.PASS: "passed", Verdict.BLOCK: "blocked", Verdict.ERROR: "scanner failed"}

_CSS = """
:root{--crit:#7b1020;--high:#c0392b;--med:#d68910;--low:#2e86c1;--info:#7f8c8d;--ink:#1c2330;--mute:#5d6878}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--ink);background:#f4f6f9}main{max-width:1200px;margin:0 auto;padding:0 20px 40px}
code,pre{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,monospace}
.verdict{padding:18px 24px;color:#fff}.verdict h1{margin:0 0 4px;font-size:24px}.verdict p{margin:0;opacity:.92}
.verdict code{background:rgba(255,255,255,.18);padding:0 4px;border-radius:3px}
.v-pass{background:#1e8449}.v-block{background:#b03a2e}.v-error{background:#b9770e}
.reasons{margin:8px 0 0;padding-left:20px}
.counts{display:flex;gap:10px;flex-wrap:wrap;margin:18px 0}
.card{background:#fff;border-radius:8px;padding:10px 16px;min-width:96px;border-top:4px solid var(--info);
box-shadow:0 1px 2px rgba(0,0,0,.08)}.card b{display:block;font-size:22px}.card span{color:var(--mute)}
.card.sev-critical{border-color:var(--crit)}.card.sev-high{border-color:var(--high)}
.card.sev-medium{border-color:var(--med)}.card.sev-low{border-color:var(--low)}
.card.st-blocking{border-color:#000}.card.st-waived{border-color:#8e44ad}.card.st-baselined{border-color:#95a5a6}
h2{font-size:17px;margin:26px 0 8px}
.filters{display:flex;gap:14px;flex-wrap:wrap;align-items:center;background:#fff;padding:10px 14px;
border-radius:8px;box-shadow:0 1px 2px rgba(0,0,0,.08)}.filters select{margin-left:4px}
#shown{margin-left:auto;color:var(--mute)}
table{width:100%;border-collapse:collapse;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.08)}
th,td{text-align:left;padding:6px 8px;vertical-align:top}th{background:#e9edf2;white-space:nowrap}
th[data-key]{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:" \\25B2"}
th[aria-sort=descending]::after{content:" \\25BC"}
tbody.finding{border-top:1px solid #e3e7ec}tr.more td{padding:0 8px 6px}
details summary{cursor:pointer;color:var(--mute);font-size:12px}details p{margin:4px 0}
.sev,.state{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff;font-weight:600}
.sev-critical.sev{background:var(--crit)}.sev-high.sev{background:var(--high)}.sev-medium.sev{background:var(--med)}
.sev-low.sev{background:var(--low)}.sev-info.sev{background:var(--info)}
.st-blocking.state{background:#000}.st-open.state{background:#5d6d7e}.st-waived.state{background:#8e44ad}
.st-baselined.state{background:#95a5a6}.st-advisory.state{background:#2e86c1}
pre.snippet{background:#1f2430;color:#e6e6e6;padding:8px 0;border-radius:6px;overflow-x:auto;margin:6px 0}
pre.snippet .ln{display:block;padding:0 10px}pre.snippet .hit{background:#5b2330}
pre.snippet .no{display:inline-block;min-width:3.2em;color:#8a93a6;text-align:right;margin-right:10px}
pre.step{padding:4px 10px}.trace ol{margin:4px 0;padding-left:22px}.step-kind{font-weight:600}
.trace h4{margin:8px 0 2px;font-size:13px}.fp{color:var(--mute);font-size:12px}
#baselined{opacity:.8}#baselined h2 small{font-weight:normal;color:var(--mute)}
li.failed{color:var(--high);font-weight:600}table.plain td,table.plain th{border-top:1px solid #e3e7ec}
"""

# Sorts tbody elements by a data attribute and hides those a filter excludes; state lives in the URL fragment.
_JS = """
(function(){
  var selects=[].slice.call(document.querySelectorAll('select[data-filter]'));
  var bodies=[].slice.call(document.querySelectorAll('tbody.finding'));
  function matches(b,name,v){
    if(!v)return true;
    if(name==='tool')return b.dataset.tools.split(' ').indexOf(v)>=0;
    if(name==='cwe')return b.dataset.cwe.split(' ').indexOf(v)>=0;
    return b.dataset[name]===v;
  }
  function apply(){
    var shown=0,params=[];
    selects.forEach(function(s){if(s.value)params.push(s.dataset.filter+'='+encodeURIComponent(s.value));});
    bodies.forEach(function(b){
      var ok=selects.every(function(s){return matches(b,s.dataset.filter,s.value);});
      b.hidden=!ok;if(ok)shown++;
    });
    document.getElementById('shown').textContent=shown+' of '+bodies.length+' findings shown';
    document.body.dataset.filters=params.join('&');
    return params;
  }
  function fromHash(){
    var h=decodeURIComponent(location.hash.replace(/^#/,''));
    h.split('&').forEach(function(kv){
      var i=kv.indexOf('=');if(i<0)return;
      var k=kv.slice(0,i),v=kv.slice(i+1);
      selects.forEach(function(s){if(s.dataset.filter===k)s.value=v;});
    });
  }
  selects.forEach(function(s){s.addEventListener('change',function(){
    var p=apply();history.replaceState(null,'',p.length?'#'+p.join('&'):location.pathname);
  });});
  document.querySelectorAll('table.findings').forEach(function(t){
    t.querySelectorAll('th[data-key]').forEach(function(th){th.addEventListener('click',function(){
      var key=th.dataset.key,desc=th.getAttribute('aria-sort')!=='descending';
      t.querySelectorAll('th').forEach(function(o){o.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',desc?'descending':'ascending');
      var rows=[].slice.call(t.querySelectorAll('tbody.finding'));
      rows.sort(function(a,b){
        var x=a.dataset[key],y=b.dataset[key],n=(key==='rank');
        var c=n?(Number(x)-Number(y)):x.localeCompare(y,undefined,{numeric:true});
        if(c===0)c=Number(a.dataset.order)-Number(b.dataset.order);
        return desc?-c:c;
      });
      rows.forEach(function(r){t.appendChild(r);});
    });});
  });
  fromHash();apply();window.addEventListener('hashchange',function(){fromHash();apply();});
})();
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def html_report(report: Report) -> str:
    report = common.human_report(report)  # redaction, then control characters shown as escapes
    current = [f for f in report.findings if f.state is not FindingState.BASELINED]
    baselined = [f for f in report.findings if f.state is FindingState.BASELINED]
    main = (
        f"<h2>Findings ({len(current)})</h2>{filters(report)}{findings_table(current, 'current')}"
        if current
        else "<h2>Findings</h2><p>No findings.</p>" + (filters(report) if baselined else "")
    )
    if baselined:
        main += (
            f'<section id="baselined"><h2>Baselined ({len(baselined)}) <small>accepted earlier; they do not block'
            f"</small></h2>{findings_table(baselined, 'baselined-table', start=len(current))}</section>"
        )
    title = f"Hardgate {_TITLES[report.verdict]}: {report.target} ({report.environment})"
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{text(title)}</title>'
        f"<style>{_CSS}</style></head><body>{banner(report)}<main>{counts(report)}{main}"
        f"{waivers_section(report)}{scanners_section(report)}</main><script>{_JS}</script></body></html>\n"
    )


class HtmlReporter(Reporter):
    name = "html"

    def render(self, report: Report) -> str:
        return html_report(report)
