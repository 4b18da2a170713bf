import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { GatewayProfile, ProfileInput } from '@shared/ipc';
import type { Result } from '@shared/result';
import { api } from '../api';

type ProfileInputProblem = 'nameRequired' | 'urlInvalid' | 'urlNotHttps';

/**
 * Checks a profile before it is sent, so the form can say what is wrong next to the field.
 * Main validates again (and canonicalises the URL); this is only for quick feedback.
 */
export function profileInputProblems(
  input: ProfileInput,
): Partial<Record<'name' | 'url', ProfileInputProblem>> {
  const problems: Partial<Record<'name' | 'url', ProfileInputProblem>> = {};
  if (input.name.trim() === '') problems.name = 'nameRequired';
  let url: URL | null = null;
  try {
    url = new URL(input.url.trim());
  } catch {
    problems.url = 'urlInvalid';
  }
  if (url && url.protocol !== 'https:') problems.url = 'urlNotHttps';
  return problems;
}

/** The gateways this computer knows, as main keeps them (with their pinned certificates). */
export const useProfilesStore = defineStore('profiles', () => {
  const items = ref<GatewayProfile[]>([]);

  function byId(id: string | null | undefined): GatewayProfile | null {
    return items.value.find((p) => p.id === id) ?? null;
  }

  function upsert(profile: GatewayProfile): void {
    const index = items.value.findIndex((p) => p.id === profile.id);
    if (index === -1) items.value.push(profile);
    else items.value.splice(index, 1, profile);
  }

  async function load(): Promise<Result<GatewayProfile[]>> {
    const result = await api.listProfiles();
    if (result.ok) items.value = result.value;
    return result;
  }

  async function save(input: ProfileInput): Promise<Result<GatewayProfile>> {
    const result = await api.saveProfile({ ...input, name: input.name.trim(), url: input.url.trim() });
    if (result.ok) upsert(result.value);
    return result;
  }

  async function remove(id: string): Promise<Result<null>> {
    const result = await api.removeProfile(id);
    if (result.ok) items.value = items.value.filter((p) => p.id !== id);
    return result;
  }

  async function forgetCertificate(id: string): Promise<Result<GatewayProfile>> {
    const result = await api.forgetCertificate(id);
    if (result.ok) upsert(result.value);
    return result;
  }

  async function trustCertificate(id: string, fingerprint: string): Promise<Result<GatewayProfile>> {
    const result = await api.trustCertificate(id, fingerprint);
    if (result.ok) upsert(result.value);
    return result;
  }

  return { items, byId, load, save, remove, forgetCertificate, trustCertificate };
});
