import type { BundleVerification } from './verifyBundle';

/** The verification as lines of text (the `verify` command prints them). */
export function describeVerification(v: BundleVerification): string[] {
  const lines: string[] = [];
  lines.push(`${v.ok ? 'Verified' : 'NOT VERIFIED'}: evidence bundle ${v.bundle} (${v.kind})`);
  if (v.statement !== null)
    lines.push(
      `Exported ${v.statement.createdAt} by ${v.statement.exportedBy.login}; sessions ${v.statement.sessionIds.join(', ')}`,
    );
  lines.push(`Signing key id: ${v.keyId ?? 'unreadable'} (compare it with the gateway's published key id)`);
  for (const check of v.checks) lines.push(`  [${check.ok ? 'ok' : 'FAILED'}] ${check.summary}`);
  const bad = v.files.filter((f) => f.status !== 'ok');
  if (bad.length > 0) {
    lines.push('Problems:');
    for (const f of bad) lines.push(`  ${f.status.toUpperCase()} ${f.path}: ${f.reasons.join('; ')}`);
  }
  return lines;
}
