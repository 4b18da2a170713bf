import type { LibraryItem } from '../../../shared/ipc';
import { ValidationError } from '../errors';
import type { ProfileStore } from '../profile-store';
import type { Library } from './library';
import type { PlayQueue } from './play-queue';

/** Plays of library items, owed to the gateway each recording came from. */
export class LibraryPlays {
  constructor(private readonly deps: { library: Library; plays: PlayQueue; profiles: ProfileStore }) {}

  async report(itemId: string): Promise<{ pending: number }> {
    const { item } = await this.deps.library.get(itemId);
    const profileId = this.gatewayOf(item);
    return { pending: await this.deps.plays.report(profileId, item.sessionId) };
  }

  /** A download's own profile; for an import, the profile that trusts the key which signed it. */
  private gatewayOf(item: LibraryItem): string {
    if (item.profileId !== null && this.deps.profiles.list().some((p) => p.id === item.profileId)) {
      return item.profileId;
    }
    const signer = this.deps.profiles.list().find((p) => p.signingKey?.keyId === item.verification.keyId);
    if (signer === undefined) {
      throw new ValidationError(
        'No gateway profile trusts the key that signed this recording, so there is no gateway to report the play to',
      );
    }
    return signer.id;
  }
}
