import { API_PREFIX } from '../../shared/api';
import { SearchResultSchema, type SearchQuery, type SearchResult } from '../../shared/search';
import type { AuthService } from './auth-service';

const SEARCH = `${API_PREFIX}/search`;

/**
 * The Search screen's call to the gateway: one query over the typed commands and terminal text of
 * every session the logged-in auditor may see, made with the logged-in token.
 */
export class SearchService {
  constructor(private readonly auth: AuthService) {}

  search(query: SearchQuery): Promise<SearchResult> {
    return this.auth.withSession((client, token) =>
      client.call('GET', SEARCH, SearchResultSchema, { token, query }),
    );
  }
}
