import { API_PREFIX, BlockListSchema, BlockSchema, type Block, type BlockQuery } from '../../shared/api';
import type { AuthService } from './auth-service';

const BLOCKS = `${API_PREFIX}/blocks`;

/** The Blocked users report: interactivity blocks, active or released, and releasing one. */
export class BlocksService {
  constructor(private readonly auth: AuthService) {}

  async list(query: BlockQuery): Promise<Block[]> {
    const answer = await this.auth.withSession((client, token) =>
      client.call('GET', BLOCKS, BlockListSchema, { token, query }),
    );
    return answer.items;
  }

  release(blockId: number): Promise<Block> {
    return this.auth.withSession((client, token) =>
      client.call('POST', `${BLOCKS}/${blockId}/release`, BlockSchema, { token }),
    );
  }
}
