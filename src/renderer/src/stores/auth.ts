import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AuthState, CertificateAlarm, GatewayProfile, LoginInput } from '@shared/ipc';
import { IPC_ERROR } from '@shared/ipc';
import { hasAuditRole } from '@shared/policy';
import type { AppError, Result } from '@shared/result';
import { api } from '../api';
import { alarmFromError, fingerprintFromError, sameAlarm } from '../lib/certificate';
import { usePreferencesStore } from './preferences';
import { useProfilesStore } from './profiles';

/**
 * Codes meaning "the token is gone": the gateway's 401s (INVALID_TOKEN for an expired or revoked
 * token) and main's NOT_LOGGED_IN once it has dropped the session.
 */
const EXPIRY_CODES: ReadonlySet<string> = new Set([
  'INVALID_TOKEN',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  IPC_ERROR.notLoggedIn,
]);

type AuthPhase = 'starting' | 'signedOut' | 'signedIn';

/** A first connection waiting for the user to compare and trust the gateway's certificate. */
interface TrustRequest {
  profileId: string;
  fingerprint: string;
}

export const useAuthStore = defineStore('auth', () => {
  const profiles = useProfilesStore();
  const preferences = usePreferencesStore();

  const phase = ref<AuthPhase>('starting');
  const state = ref<AuthState | null>(null);
  /** The token expired while signed in: login shows as a modal over the untouched screen. */
  const expired = ref(false);
  const certAlarm = ref<CertificateAlarm | null>(null);
  /**
   * The last alarm per profile, kept after the dialog is closed: the login page must not call
   * that gateway's certificate "pinned" as if all were well.
   */
  const mismatches = ref<Record<string, CertificateAlarm>>({});
  /** The alarm the user closed: main repeats it for each blocked call, it is not shown again. */
  let dismissed: CertificateAlarm | null = null;
  const trustRequest = ref<TrustRequest | null>(null);
  /** The sign-in that met the untrusted certificate, retried once the user trusts it. */
  let trustPending: LoginInput | null = null;
  /** Bumped on every successful (re)login, so screens know to refresh what they show. */
  const generation = ref(0);
  /** Calls parked until the user signs in again; resolved true to retry, false to give up. */
  let waiting: Array<(resumed: boolean) => void> = [];

  const user = computed(() => state.value?.user ?? null);
  const profile = computed<GatewayProfile | null>(() => profiles.byId(state.value?.profileId));
  /** Only audit roles reach the audit area; the gateway refuses everything else of it anyway. */
  const canAudit = computed(() => (user.value ? hasAuditRole(user.value) : false));

  function settleWaiting(resumed: boolean): void {
    const parked = waiting;
    waiting = [];
    for (const resolve of parked) resolve(resumed);
  }

  function signedIn(next: AuthState): void {
    state.value = next;
    phase.value = 'signedIn';
    expired.value = false;
    preferences.lastProfileId = next.profileId;
    generation.value += 1;
    settleWaiting(true);
    // The login may have pinned a certificate or remembered the login name: show it.
    void profiles.load();
  }

  function noteFailure(error: AppError, profileId: string): void {
    if (error.code !== IPC_ERROR.certificateChanged) return;
    // The 'cert:alarm' event carries the same facts; keep its version when it came first.
    if (certAlarm.value?.profileId === profileId) return;
    showAlarm(alarmFromError(error, profiles.byId(profileId)));
  }

  function showAlarm(alarm: CertificateAlarm): void {
    certAlarm.value = alarm;
    mismatches.value = { ...mismatches.value, [alarm.profileId]: alarm };
  }

  /** From main's 'cert:alarm' event: an alarm the user already closed stays closed. */
  function raiseCertAlarm(alarm: CertificateAlarm): void {
    if (sameAlarm(dismissed, alarm)) {
      mismatches.value = { ...mismatches.value, [alarm.profileId]: alarm };
      return;
    }
    showAlarm(alarm);
  }

  /** Opens the alarm again from the login page (the user asked to see it). */
  function reviewCertAlarm(profileId: string): void {
    const alarm = mismatches.value[profileId];
    if (alarm) certAlarm.value = alarm;
  }

  function forgetMismatch(profileId: string): void {
    const { [profileId]: _gone, ...rest } = mismatches.value;
    mismatches.value = rest;
  }

  /** An expiry reported for another gateway than the one in use is not ours to act on. */
  function markExpired(profileId?: string): void {
    if (phase.value !== 'signedIn') return;
    if (profileId !== undefined && profileId !== state.value?.profileId) return;
    expired.value = true;
  }

  function startingProfileId(): string | null {
    const last = profiles.byId(preferences.lastProfileId);
    return last?.id ?? profiles.items[0]?.id ?? null;
  }

  /** Continues where main is (a reloaded window), else resumes a remembered login, else shows login. */
  async function start(): Promise<void> {
    await profiles.load();
    const current = await api.authState();
    if (current.ok && current.value) return signedIn(current.value);
    const profileId = startingProfileId();
    if (profileId) {
      const resumed = await api.resume(profileId);
      if (resumed.ok && resumed.value) return signedIn(resumed.value);
      if (!resumed.ok) noteFailure(resumed.error, profileId);
    }
    phase.value = 'signedOut';
  }

  async function login(input: LoginInput): Promise<Result<AuthState>> {
    // Signing in again is deliberate: a certificate that is still wrong is worth an alarm again.
    dismissed = null;
    const result = await api.login(input);
    if (result.ok) signedIn(result.value);
    else if (result.error.code === IPC_ERROR.certificateNotTrusted) askTrust(input, result.error);
    else noteFailure(result.error, input.profileId);
    return result;
  }

  function askTrust(input: LoginInput, error: AppError): void {
    const fingerprint = fingerprintFromError(error);
    if (fingerprint === null) return;
    trustPending = input;
    trustRequest.value = { profileId: input.profileId, fingerprint };
  }

  /** The user compared the fingerprint and trusts it: pin it, then sign in as they asked. */
  async function trustCertificate(): Promise<Result<AuthState> | null> {
    const request = trustRequest.value;
    const input = trustPending;
    if (request === null || input === null) return null;
    const trusted = await profiles.trustCertificate(request.profileId, request.fingerprint);
    if (!trusted.ok) return trusted;
    forgetMismatch(request.profileId);
    trustRequest.value = null;
    trustPending = null;
    return login(input);
  }

  function declineTrust(): void {
    trustRequest.value = null;
    trustPending = null;
  }

  async function logout(): Promise<void> {
    await api.logout();
    state.value = null;
    phase.value = 'signedOut';
    expired.value = false;
    settleWaiting(false);
  }

  /**
   * Runs a gateway call on behalf of a screen. An expired token parks the call behind the login
   * modal and retries it after the user signs in again, so dialogs and filters stay as they were.
   * A changed certificate raises the alarm and is never retried.
   */
  async function run<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
    const first = await call();
    if (first.ok) return first;
    if (state.value) noteFailure(first.error, state.value.profileId);
    if (!EXPIRY_CODES.has(first.error.code) || phase.value !== 'signedIn') return first;
    markExpired();
    const resumed = await new Promise<boolean>((resolve) => waiting.push(resolve));
    return resumed ? call() : first;
  }

  async function forgetCertificate(): Promise<Result<GatewayProfile> | null> {
    const alarm = certAlarm.value;
    if (!alarm) return null;
    const result = await profiles.forgetCertificate(alarm.profileId);
    if (!result.ok) return result;
    certAlarm.value = null;
    forgetMismatch(alarm.profileId);
    // The new certificate is pinned by a deliberate sign-in, never silently by a background call.
    if (phase.value === 'signedIn') await logout();
    return result;
  }

  /**
   * Closing the alarm must not let work continue against an untrusted gateway: a signed-in
   * window goes back to the login screen.
   */
  async function dismissCertAlarm(): Promise<void> {
    dismissed = certAlarm.value;
    certAlarm.value = null;
    if (phase.value === 'signedIn') await logout();
  }

  return {
    phase,
    state,
    expired,
    certAlarm,
    mismatches,
    trustRequest,
    generation,
    user,
    profile,
    canAudit,
    start,
    login,
    logout,
    run,
    markExpired,
    raiseCertAlarm,
    reviewCertAlarm,
    forgetCertificate,
    dismissCertAlarm,
    trustCertificate,
    declineTrust,
  };
});
