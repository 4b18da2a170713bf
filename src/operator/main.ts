import { GatewayError, login, logout, rdpTargets, rdpTicket } from './gatewayApi';
import { el, show } from './dom';
import { RemoteDesktop } from './remoteDesktop';
import type { RdpServerMessage, RdpTargetChoice } from '../shared/rdpWire';
import { RDP_SCREEN } from '../shared/rdpWire';

/**
 * The operator's page for RDP sessions: log in with the Vigil login, pick a granted target and
 * account and a screen size, then work in the remote desktop. The gateway's notices (blocked,
 * released, dropped, refused, a failed target login) are shown over the screen.
 */
const root = document.getElementById('app')!;
let token: string | null = null;

const SIZES: readonly [number, number][] = [
  [1024, 768],
  [1280, 720],
  [1280, 1024],
  [1600, 900],
  [1920, 1080],
];

function errorText(err: unknown): string {
  return err instanceof GatewayError || err instanceof Error ? err.message : String(err);
}

function loginView(notice = ''): void {
  const username = el('input', { name: 'username', autocomplete: 'username', required: '' });
  const password = el('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: '',
  });
  const error = el('p', { class: 'error', role: 'alert' }, notice);
  const form = el(
    'form',
    { class: 'panel', 'aria-label': 'Log in' },
    el('h1', {}, 'Vigil remote desktop'),
    el('label', {}, 'Login', username),
    el('label', {}, 'Password', password),
    el('button', { type: 'submit' }, 'Log in'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    login(username.value, password.value)
      .then((answer) => {
        token = answer.token;
        return targetsView();
      })
      .catch((err: unknown) => (error.textContent = errorText(err)));
  });
  show(root, form);
  username.focus();
}

async function targetsView(notice = ''): Promise<void> {
  const choices = await rdpTargets(token!);
  const error = el('p', { class: 'error', role: 'alert' }, notice);
  if (choices.length === 0) {
    show(
      root,
      el(
        'div',
        { class: 'panel' },
        el('h1', {}, 'No remote desktops'),
        el('p', {}, 'No RDP target is granted to you.'),
        error,
      ),
    );
    return;
  }
  const target = el('select', { name: 'target' });
  choices.forEach((choice, i) =>
    target.append(el('option', { value: String(i) }, `${choice.account}@${choice.target}`)),
  );
  const size = el('select', { name: 'size' });
  for (const [w, h] of SIZES) size.append(el('option', { value: `${w}x${h}` }, `${w} × ${h}`));
  const fit = fittingSize();
  size.append(el('option', { value: `${fit[0]}x${fit[1]}` }, `This window (${fit[0]} × ${fit[1]})`));
  const form = el(
    'form',
    { class: 'panel', 'aria-label': 'Open a remote desktop' },
    el('h1', {}, 'Open a remote desktop'),
    el('label', {}, 'Target', target),
    el('label', {}, 'Screen size', size),
    el('button', { type: 'submit' }, 'Connect'),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const [width, height] = size.value.split('x').map(Number) as [number, number];
    connect(choices[Number(target.value)]!, width, height).catch((err: unknown) =>
      targetsView(errorText(err)),
    );
  });
  show(root, form);
}

function fittingSize(): [number, number] {
  const clamp = (v: number, min: number, max: number) => Math.max(min, Math.min(max, v));
  // RDP servers want even widths; multiples of 4 keep every server happy.
  const width = clamp(Math.floor(window.innerWidth / 4) * 4, RDP_SCREEN.minWidth, RDP_SCREEN.maxWidth);
  const height = clamp(window.innerHeight - 40, RDP_SCREEN.minHeight, RDP_SCREEN.maxHeight);
  return [width, height];
}

async function connect(choice: RdpTargetChoice, width: number, height: number): Promise<void> {
  const { ticket } = await rdpTicket(token!);
  const url = `wss://${location.host}/rdp/ws?ticket=${encodeURIComponent(ticket)}`;
  const banner = el('div', { class: 'banner', role: 'status', hidden: '' });
  const status = el('p', { class: 'status' }, `Connecting to ${choice.account}@${choice.target}…`);
  const stage = el('div', { class: 'stage' });
  let ended = false;
  let bannerTimer: number | undefined;
  const say = (text: string, sticky: boolean) => {
    window.clearTimeout(bannerTimer);
    banner.textContent = text;
    banner.classList.toggle('released', !sticky);
    banner.hidden = false;
    if (!sticky) bannerTimer = window.setTimeout(() => (banner.hidden = true), 5000);
  };
  const finish = (text: string) => {
    ended = true;
    const back = el('button', { type: 'button' }, 'Back to the targets');
    back.addEventListener('click', () => void targetsView());
    show(root, el('div', { class: 'panel ended', role: 'alert' }, el('p', {}, text), back));
  };
  const desktop = new RemoteDesktop(
    url,
    { type: 'connect', target: choice.target, account: choice.account, width, height },
    {
      message: (message: RdpServerMessage) => {
        if (message.type === 'ready') status.textContent = `${choice.account}@${choice.target}`;
        else if (message.type === 'interactivity') say(message.message, message.blocked);
        else if (message.type === 'refused') finish(message.message);
        else finish(message.message ?? 'The session ended.');
      },
      closed: () => {
        if (!ended) finish('The connection to the gateway was lost.');
      },
    },
  );
  const leave = el('button', { type: 'button', class: 'leave' }, 'Disconnect');
  leave.addEventListener('click', () => desktop.close());
  stage.append(desktop.canvas, banner);
  show(root, el('header', {}, status, leave), stage);
}

window.addEventListener('pagehide', () => {
  if (token !== null) void logout(token);
});

loginView();
