import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { GatewaySigningKeySchema, SealedRecordingSchema, SessionPlayBodySchema } from '../../shared/api';
import { errorBody } from '../plugins/errors';
import { guardedSession, type Guard } from '../plugins/guard';
import type { RecordingService } from '../services/recordings';
import { answerRange, ifRangeHolds } from './byteRange';
import { BEARER_AUTH, ERRORS, SessionIdParamsSchema } from './common';
import { PURGED_RESPONSE, refusePurged } from './purged';

const BYTES = {
  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
} as const;

/** A repeated header is not ours to pick from: it fails the comparison. */
const header = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;

/** Signed recordings: the gateway's public key, a session's manifest, the file itself, and plays. */
export function recordingRoutes(recordings: RecordingService, guard: Guard): FastifyPluginAsyncTypebox {
  return async (app) => {
    const common = { tags: ['recordings'], security: BEARER_AUTH };
    const video = (attempted: boolean) =>
      guard.session(
        'video',
        attempted ? { attempted: () => ({ type: 'Video Download (attempted)' }) } : undefined,
      );

    app.get(
      '/gateway/signing-key',
      {
        preHandler: guard.auditArea,
        schema: {
          ...common,
          summary:
            "The gateway's Ed25519 key that signs recording manifests (PEM) and its id (hex SHA-256 of the DER SubjectPublicKeyInfo)",
          response: { 200: GatewaySigningKeySchema, ...ERRORS },
        },
      },
      async () => recordings.signingKey(),
    );

    app.get(
      '/sessions/:id/recording/manifest',
      {
        preHandler: video(false),
        schema: {
          ...common,
          summary:
            "A finished session's signed recording manifest, with the signature, the public key and the file's size and SHA-256; 409 while live, 404 without a recording",
          params: SessionIdParamsSchema,
          response: { 200: SealedRecordingSchema, ...ERRORS },
        },
      },
      async (request) => recordings.manifest(guardedSession(request).session),
    );

    app.get(
      '/sessions/:id/recording',
      {
        preHandler: [video(true), refusePurged],
        schema: {
          ...common,
          summary:
            'The recording file (streamed). One byte range (Range, If-Range with the ETag) resumes a download; a download from byte 0 is a "Video Download" event; 410 once purged',
          params: SessionIdParamsSchema,
          produces: ['application/octet-stream'],
          response: {
            200: { description: 'The whole file', content: BYTES },
            206: { description: 'The requested byte range', content: BYTES },
            416: {
              description: 'The range lies beyond the file (Content-Range: bytes */SIZE)',
              ...ERRORS['4xx'],
            },
            ...PURGED_RESPONSE,
            ...ERRORS,
          },
        },
      },
      async (request, reply) => {
        const { caller, session } = guardedSession(request);
        const file = await recordings.file(session);
        const etag = `"${file.sha256}"`;
        const range = ifRangeHolds(header(request.headers['if-range']), etag)
          ? answerRange(request.headers.range, file.size)
          : ({ kind: 'full' } as const);
        reply
          .header('accept-ranges', 'bytes')
          .header('etag', etag)
          .header('content-disposition', `attachment; filename="${file.filename}"`);
        if (range.kind === 'unsatisfiable') {
          return reply
            .code(416)
            .header('content-range', `bytes */${file.size}`)
            .send(
              errorBody(
                'RANGE_NOT_SATISFIABLE',
                `The range ${(request.headers.range ?? '').slice(0, 100)} cannot be served: the recording has ${file.size} bytes`,
              ),
            );
        }
        const start = range.kind === 'partial' ? range.start : 0;
        const end = range.kind === 'partial' ? range.end : file.size - 1;
        if (start === 0 && request.method === 'GET') await recordings.downloaded(caller, session, file);
        if (range.kind === 'partial') {
          reply.code(206).header('content-range', `bytes ${start}-${end}/${file.size}`);
        }
        reply.header('content-type', 'application/octet-stream').header('content-length', end - start + 1);
        // HEAD sends no bytes, an empty file has none (createReadStream would read it all for end = -1);
        // an empty stream keeps the Content-Length set above, where a string body would replace it.
        const body =
          file.size === 0 || request.method === 'HEAD' ? Readable.from([]) : await file.open(start, end);
        // Fastify pipes a Readable to the socket with backpressure; the typed reply only knows the schema.
        return reply.send(body as unknown as string);
      },
    );

    app.post(
      '/sessions/:id/plays',
      {
        // A report without a body is a play now.
        preValidation: async (request) => {
          request.body ??= {};
        },
        preHandler: video(false),
        schema: {
          ...common,
          summary:
            'Reports a play of the recording ("Session Play" event); `at` dates a play made offline (between the session end and now)',
          params: SessionIdParamsSchema,
          body: SessionPlayBodySchema,
          response: { 204: Type.Null({ description: 'Logged' }), ...ERRORS },
        },
      },
      async (request, reply) => {
        const { caller, session } = guardedSession(request);
        await recordings.played(caller, session, request.body.at);
        return reply.code(204).send(null);
      },
    );
  };
}
