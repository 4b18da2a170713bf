import type { SecretBox } from '../crypto/secrets';
import type { DataPaths } from '../datadir';
import { LiveTickets } from '../live/tickets';
import type { GatewayServices } from '../services';
import { AccessPolicy } from '../ssh/access';
import { createGoodbyeAwareClient } from './goodbyeWatch';
import { xrdpLoginWatcher } from './loginWatch';
import { buildOperatorPage, type OperatorPage } from './operatorPage';
import { openRasterRecorder } from './rasterRecorder';
import { RdpProxy } from './rdpProxy';
import { RdpTargetConnection } from './targetConnection';

export interface RdpSide {
  proxy: RdpProxy;
  page: OperatorPage;
  tickets: LiveTickets;
}

/** The gateway's RDP side on its services: the proxy, the operator's page and the page's tickets. */
export async function createRdpSide(
  services: GatewayServices,
  secrets: () => SecretBox,
  paths: DataPaths,
  publicAddress: { host: string; port: number },
): Promise<RdpSide> {
  const tickets = new LiveTickets(services.clock);
  const proxy = new RdpProxy({
    store: services.store,
    hub: services.hub,
    access: new AccessPolicy(services.store, secrets),
    ledger: services.ledger,
    identity: services.identity,
    tickets,
    paths,
    clock: services.clock,
    publicAddress,
    // A target that goes away without its goodbye is a lost connection, not an ended session.
    openTarget: (request) => new RdpTargetConnection(request, { createClient: createGoodbyeAwareClient }),
    loginWatcher: xrdpLoginWatcher,
    openRecorder: openRasterRecorder,
  });
  return { proxy, tickets, page: await buildOperatorPage() };
}
