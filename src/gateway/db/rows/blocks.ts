import type { BlockRecord, BlockStatus } from '../blocks';

/** A block joined with the blocked operator, its author and its releaser, on either engine. */
export interface BlockRow {
  id: number;
  session_id: number;
  blocked_user_id: number;
  bu_login: string;
  bu_name: string;
  author_id: number;
  au_login: string;
  au_name: string;
  blocked_at: number;
  released_at: number | null;
  releaser_id: number | null;
  ru_login: string | null;
  ru_name: string | null;
}

export const BLOCK_SELECT = `
  SELECT b.id, b.session_id, b.blocked_user_id, bu.login AS bu_login, bu.name AS bu_name,
    b.author_id, au.login AS au_login, au.name AS au_name, b.blocked_at, b.released_at,
    b.releaser_id, ru.login AS ru_login, ru.name AS ru_name
  FROM blocks b
  JOIN users bu ON bu.id = b.blocked_user_id
  JOIN users au ON au.id = b.author_id
  LEFT JOIN users ru ON ru.id = b.releaser_id`;

export const blockToRecord = (r: BlockRow): BlockRecord => ({
  id: r.id,
  sessionId: r.session_id,
  blockedUser: { id: r.blocked_user_id, login: r.bu_login, name: r.bu_name },
  author: { id: r.author_id, login: r.au_login, name: r.au_name },
  blockedAt: r.blocked_at,
  releasedAt: r.released_at,
  releaser:
    r.releaser_id === null ? null : { id: r.releaser_id, login: r.ru_login ?? '', name: r.ru_name ?? '' },
});

/** The WHERE clause that keeps only active or only released blocks ('' for all). */
export const blockStatusWhere = (status: BlockStatus | undefined): string =>
  status === undefined
    ? ''
    : status === 'active'
      ? 'WHERE b.released_at IS NULL'
      : 'WHERE b.released_at IS NOT NULL';
