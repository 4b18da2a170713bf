import { request } from 'node:https';

/** A gateway as the HTTP helpers reach it (its self-signed certificate is not checked here). */
export interface HttpGateway {
  url: string;
  adminPassword: string;
}

export interface ApiReply {
  status: number;
  body: string;
}

/** One API call (`/api/v1` + `path`) with an optional bearer token and JSON body. */
export function apiCall(
  gw: HttpGateway,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<ApiReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${gw.url}/api/v1${path}`,
      {
        method,
        rejectUnauthorized: false,
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The bytes of a GET (with one byte range: a 206 is expected); rejects on any other status. */
export function apiDownload(gw: HttpGateway, token: string, path: string, range?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${gw.url}/api/v1${path}`,
      {
        rejectUnauthorized: false,
        headers: { authorization: `Bearer ${token}`, ...(range === undefined ? {} : { range }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          res.statusCode === (range === undefined ? 200 : 206)
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`GET ${path}: ${res.statusCode} ${Buffer.concat(chunks).toString()}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Logs `admin` in and returns the token; rejects on a refusal. */
export async function adminLogin(gw: HttpGateway): Promise<string> {
  const reply = await apiCall(gw, 'POST', '/auth/login', undefined, {
    username: 'admin',
    password: gw.adminPassword,
  });
  if (reply.status !== 200) throw new Error(`admin login: ${reply.status} ${reply.body}`);
  return (JSON.parse(reply.body) as { token: string }).token;
}
