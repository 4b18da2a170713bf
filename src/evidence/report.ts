import type { BundleVerification, CheckName, FileCheck } from './verifyBundle';

/**
 * report.html: one self-contained page (no scripts, no outside resources) saying in plain words
 * what the bundle holds, what was checked, how, and what came out. The writer renders it from the
 * verification of what it wrote; `vigil-gateway verify` and the app render a fresh one.
 */
export function renderEvidenceReport(v: BundleVerification, options: { exported?: boolean } = {}): string {
  const s = v.statement;
  const verdict = v.ok ? 'VERIFIED' : 'NOT VERIFIED';
  const when = options.exported === true ? 'when the bundle was written' : 'at verification';
  const shownFiles = options.exported === true ? v.files.filter((f) => f.status !== 'added') : v.files;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Vigil evidence bundle: verification report</title>
<style>
body { font-family: Georgia, 'Times New Roman', serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; } th, td { text-align: left; border: 1px solid #bbb; padding: 0.3rem 0.5rem; vertical-align: top; }
code, .hash { font-family: 'DejaVu Sans Mono', Consolas, monospace; font-size: 0.8rem; word-break: break-all; }
.verdict { font-size: 1.3rem; font-weight: bold; padding: 0.6rem 1rem; border: 3px solid; display: inline-block; }
.ok { color: #11612a; } .bad { color: #a3120f; }
pre { background: #f3f3f3; padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; }
</style>
</head>
<body>
<h1>Vigil evidence bundle: verification report</h1>
<p class="verdict ${v.ok ? 'ok' : 'bad'}" data-verdict="${v.ok ? 'verified' : 'not-verified'}">${verdict}</p>
<p>${
    v.ok
      ? 'Every check below passed: the files of this bundle are the ones the Vigil gateway signed, unchanged, and nothing was added or removed.'
      : 'At least one check below failed: the files named under <em>Problems</em> are not as the Vigil gateway exported them.'
  }</p>
<table>
<tr><th>Exported</th><td>${esc(s?.createdAt ?? 'unknown')}${s === null ? '' : ` by ${esc(s.exportedBy.name)} (${esc(s.exportedBy.login)})`}</td></tr>
<tr><th>Sessions</th><td>${esc(s?.sessionIds.join(', ') ?? 'unknown')}</td></tr>
<tr><th>Gateway signing key id</th><td class="hash">${esc(v.keyId ?? 'unreadable')}</td></tr>
<tr><th>Checked</th><td>${esc(v.verifiedAt)} (${when})</td></tr>
</table>
<p>The key id is the SHA-256 of the gateway's public key. Compare it with the key id the gateway publishes
(its administrators can read it at <code>GET /api/v1/gateway/signing-key</code>): only then do the signatures
prove that this gateway made them.</p>
${problemsSection(v)}
<h2>Sessions</h2>
<table>
<tr><th>Session</th><th>Operator</th><th>Account and target</th><th>Start</th><th>End</th><th>Recording</th><th>Audit events</th></tr>
${v.sessions
  .map(
    (x) =>
      `<tr><td>${x.id}</td><td>${esc(x.operator ?? '?')}</td><td>${esc(x.account ?? '?')} on ${esc(x.target ?? '?')} (${esc(x.protocol ?? '?')})</td><td>${esc(x.startedAt ?? '?')}</td><td>${esc(x.endedAt ?? '?')}</td><td>${recordingCell(x.recording)}</td><td>${x.events ?? '?'}</td></tr>`,
  )
  .join('\n')}
</table>
<h2>Checks</h2>
<table>
<tr><th>Check</th><th>How it is done</th><th>Result</th></tr>
${v.checks
  .map(
    (c) =>
      `<tr><td>${esc(CHECK_TITLES[c.name])}</td><td>${esc(CHECK_METHODS[c.name])}</td><td class="${c.ok ? 'ok' : 'bad'}">${c.ok ? 'Passed' : 'Failed'}: ${esc(c.summary)}</td></tr>`,
  )
  .join('\n')}
</table>
<h2>Files</h2>
<table>
<tr><th>File</th><th>What it is</th><th>Bytes</th><th>SHA-256</th><th>Status</th></tr>
${shownFiles.map(fileRow).join('\n')}
</table>
<h2>How to check this bundle without Vigil</h2>
<p>Any computer with <code>sha256sum</code>, <code>base64</code> and OpenSSL 3 can repeat the essential checks:</p>
<pre>cd BUNDLE_FOLDER
# 1. The statement is signed by the gateway's key (prints "Signature Verified Successfully")
base64 -d statement.sig &gt; statement.sig.bin
openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in statement.json -sigfile statement.sig.bin
# 2. The key id (compare it with the gateway's published key id)
openssl pkey -pubin -in public-key.pem -outform DER | sha256sum
# 3. Each file has the SHA-256 the signed statement lists for it
sha256sum sessions/*/* audit/proof.json</pre>
<p>The full method (file formats, canonical JSON, the recording manifests and the audit-trail proof) is
described in Vigil's documentation, <em>docs/evidence.md</em>.</p>
</body>
</html>
`;
}

const CHECK_TITLES: Record<CheckName, string> = {
  statement: 'Signed statement',
  files: 'Session information, logs and audit proof',
  recordings: 'Recordings',
  'audit trail': 'Audit trail',
  index: 'Completeness',
};

const CHECK_METHODS: Record<CheckName, string> = {
  statement:
    'statement.json (the list of every exported file with its SHA-256) must carry a valid Ed25519 signature (statement.sig) by the key in public-key.pem.',
  files: 'Each file the statement lists must have exactly the SHA-256 and size the statement gives.',
  recordings:
    'Each recording must have the size and SHA-256 of its manifest, and each manifest must carry a valid Ed25519 signature made by the gateway when the session ended.',
  'audit trail':
    "Each audit event's hash is recomputed from the previous event's hash and its own fields; each chain of events must end on a checkpoint the gateway signed, and every event in the session logs must be among them.",
  index:
    'bundle.json must list exactly the files present, with their SHA-256, so any file added, removed or changed is named.',
};

function problemsSection(v: BundleVerification): string {
  if (v.problems.length === 0) return '';
  return `<h2 class="bad">Problems</h2>\n<ul>\n${v.problems.map((p) => `<li class="bad">${esc(p)}</li>`).join('\n')}\n</ul>`;
}

function recordingCell(r: BundleVerification['sessions'][number]['recording']): string {
  if (r === null) return 'none';
  const purged =
    r.purgedAt === null
      ? ''
      : `purged by retention on ${esc(r.purgedAt)}: only its signed manifest is included; `;
  return `${purged}${r.size} bytes, SHA-256 <span class="hash">${esc(r.sha256)}</span>`;
}

const STATUS_WORDS: Record<FileCheck['status'], string> = {
  ok: 'Unchanged',
  changed: 'CHANGED',
  missing: 'MISSING',
  added: 'ADDED',
};

function fileRow(f: FileCheck): string {
  const reasons = f.reasons.length === 0 ? '' : `<br>${f.reasons.map(esc).join('<br>')}`;
  return `<tr><td><code>${esc(f.path)}</code></td><td>${esc(f.role)}</td><td>${f.size ?? ''}</td><td class="hash">${esc(f.sha256 ?? '')}</td><td class="${f.status === 'ok' ? 'ok' : 'bad'}">${STATUS_WORDS[f.status]}${reasons}</td></tr>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
