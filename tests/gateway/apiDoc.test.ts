import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../support/gateway';
import { createTestGateway, type TestGateway } from '../support/gatewayApp';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Routes written in docs/api.md as `METHOD /api/v1/…` in code spans. */
function documentedRoutes(markdown: string): Set<string> {
  const routes = new Set<string>();
  for (const match of markdown.matchAll(/`(GET|PUT|POST|DELETE|PATCH) (\/api\/v1\/[^`\s?]*)`/g)) {
    routes.add(`${match[1]} ${match[2]}`);
  }
  return routes;
}

describe('the API overview (docs/api.md) matches the OpenAPI document', () => {
  let gw: TestGateway;
  let served: string[];
  let documented: Set<string>;

  beforeAll(async () => {
    gw = await createTestGateway({ rdp: true });
    const doc = (await gw.request({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, Partial<Record<(typeof METHODS)[number], unknown>>>;
    };
    served = Object.entries(doc.paths).flatMap(([path, operations]) =>
      METHODS.filter((m) => operations[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
    );
    documented = documentedRoutes(readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8'));
  });

  afterAll(async () => {
    await gw.close();
  });

  test('every route the gateway serves is listed', () => {
    expect(served.length).toBeGreaterThan(10);
    expect(served.filter((route) => !documented.has(route))).toEqual([]);
  });

  test('every listed route is served (the openapi.json route itself included)', () => {
    const known = new Set([...served, 'GET /api/v1/openapi.json']);
    expect([...documented].filter((route) => !known.has(route))).toEqual([]);
  });
});
