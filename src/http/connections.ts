import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long a closing connection may go on sending (to be discarded) before it is cut. */
const LINGER_MS = 2_000;

function lingeringClose(socket: Socket) {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end();
  socket.resume();
}

export interface ServerConnections {
  /** Cuts every open connection except those answering a request that arrived whole. */
  cutUnfinished(): void;
}

/**
 * Keeps `server`'s open connections and the request each one is answering, so that the
 * shutdown deadline can cut a client that sends half a request; and closes connections the way
 * nginx's lingering close does.
 */
export function trackConnections(server: Server): ServerConnections {
  const connections = new Set<Socket>();
  const requestsInHand = new WeakMap<Socket, IncomingMessage>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
    // Node ends a `Connection: close` response's socket as soon as the answer is written.
    // When the client is still uploading (a body refused with 413), that close is a TCP
    // reset, and the client's system discards our answer unread. Close it the way nginx's
    // lingering close does: half-close, discard what still arrives, and end it once the
    // client does or after a moment.
    socket.destroySoon = () => lingeringClose(socket);
  });
  server.on('request', (req, res) => {
    requestsInHand.set(req.socket, req);
    res.once('close', () => {
      if (requestsInHand.get(req.socket) === req) requestsInHand.delete(req.socket);
    });
  });
  return {
    cutUnfinished() {
      for (const socket of connections) {
        if (!requestsInHand.get(socket)?.complete) socket.destroy();
      }
    },
  };
}
