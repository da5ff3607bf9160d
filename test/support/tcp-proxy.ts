import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of a real database, so a test can cut the database off (an outage as the
 * application sees it: connections reset, new ones refused) without stopping the shared server.
 *
 * @example
 * const proxy = await startTcpProxy(5432);
 * // connect the app to 127.0.0.1:proxy.port …
 * proxy.cut();      // every open connection is destroyed; new ones are reset at once
 * proxy.restore();  // connections go through again
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  let down = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = (): void => {
    down = true;
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    restore() {
      down = false;
    },
    close() {
      cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A {@link TcpProxy} in front of the database of `databaseUrl` (e.g. a PostgreSQL URL), and the
 * same URL pointed at the proxy.
 *
 * @example
 * const { proxy, url } = await proxyDatabase(db.url); // connect the app to `url`; proxy.cut() for an outage
 */
export async function proxyDatabase(databaseUrl: string): Promise<{ proxy: TcpProxy; url: string }> {
  const upstream = new URL(databaseUrl);
  const proxy = await startTcpProxy(Number(upstream.port || 5432), upstream.hostname);
  return { proxy, url: throughProxy(databaseUrl, proxy) };
}

/** `databaseUrl` pointed at `proxy`. */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}
