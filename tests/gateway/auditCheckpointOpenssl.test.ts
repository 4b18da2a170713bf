import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { finishedSession } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

let gw: TestGateway;
let work: string;

beforeEach(async () => {
  gw = await createTestGateway();
  work = mkdtempSync(join(tmpdir(), 'vigil-openssl-'));
});

afterEach(async () => {
  await gw.close();
  rmSync(work, { recursive: true, force: true });
});

/** The third-party check of docs/audit-trail.md, step by step, with jq, base64 and openssl only. */
const THIRD_PARTY_CHECK = `
set -e
jq -r .publicKey proof.json > key.pem
openssl pkey -pubin -in key.pem -outform DER | sha256sum | cut -d' ' -f1 > key-id.txt
jq -j -c -S '.segments[0].checkpoint.body' proof.json > body.json
jq -r '.segments[0].checkpoint.signature' proof.json | base64 -d > sig.bin
openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in body.json -sigfile sig.bin
python3 - proof.json <<'PY'
import hashlib, json, sys
proof = json.load(open(sys.argv[1]))
for segment in proof["segments"]:
    prev = segment["events"][0]["prevHash"]
    for e in segment["events"]:
        fields = [e["id"], e["atMs"], e["type"], e["actorId"], e["originIp"], e["sessionId"], e["note"]]
        text = prev + "\\n" + json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
        h = hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert e["prevHash"] == prev and e["hash"] == h, f"event {e['id']} does not check out"
        prev = h
    body = segment["checkpoint"]["body"]
    assert segment["events"][-1]["id"] == body["eventId"] and prev == body["hash"]
print("segments check out")
PY
`;

function check(): { status: number | null; output: string } {
  const run = spawnSync('sh', ['-c', THIRD_PARTY_CHECK], { cwd: work, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('openssl and python3 check a proof as the documentation says, and refuse an altered one', async () => {
  const admin = await gw.addUser('admin', 'System Administrator');
  const token = await gw.login('admin');
  const s = finishedSession('admin', Date.parse('2026-01-01T00:00:00Z'));
  const sessionId = await gw.store.sessions.insert({
    ...s,
    userId: admin,
    hash: 'h',
    startedAt: Number(s.startedAt),
  });
  await gw.store.events.append({
    type: 'Exported Details',
    at: Date.parse('2026-01-01T00:00:01Z'),
    actorId: admin,
    originIp: '10.0.0.1',
    sessionId,
    note: 'checked by openssl: "ação"\tline\nnext \\ \u0001 \u2028 😀',
  });
  const res = await gw.request({
    method: 'POST',
    url: '/api/v1/audit/proof',
    payload: { sessionIds: [sessionId] },
    token,
  });
  expect(res.statusCode).toBe(200);
  writeFileSync(join(work, 'proof.json'), res.body);
  expect(check()).toEqual({ status: 0, output: 'Signature Verified Successfully\nsegments check out\n' });
  const keyId = readFileSync(join(work, 'key-id.txt'), 'utf8').trim();
  expect(keyId).toBe((res.json() as { keyId: string }).keyId);

  type Proof = { segments: { events: { note: string }[]; checkpoint: { body: { seq: number } } }[] };
  const renumbered = res.json() as Proof;
  renumbered.segments[0]!.checkpoint.body.seq += 1;
  writeFileSync(join(work, 'proof.json'), JSON.stringify(renumbered));
  const altered = check();
  expect(altered.status).not.toBe(0);
  expect(altered.output).toMatch(/Signature Verification Failure/);

  const edited = res.json() as Proof;
  edited.segments[0]!.events.at(-1)!.note = 'checked by nobody';
  writeFileSync(join(work, 'proof.json'), JSON.stringify(edited));
  const chain = check();
  expect(chain.status).not.toBe(0);
  expect(chain.output).toMatch(/Signature Verified Successfully[\s\S]*does not check out/);
});
