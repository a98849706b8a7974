/**
 * @module
 * `gatehouse serve --inspect[=PORT]`: the Node.js inspector for functions. Worker-thread
 * environments are threads of the gateway process, so the gateway's own inspector (on PORT)
 * shows each of them as a target (VS Code attaches to them automatically; Chrome DevTools
 * lists them as workers). A Node.js process environment (`isolation: process`) opens its
 * own inspector on the next free port after PORT, one per environment alive.
 */
import inspector from 'node:inspector'

/** Node's default inspector port, the default of `--inspect`. */
export const DEFAULT_INSPECT_PORT = 9229

export class InspectorPorts {
  readonly port: number
  readonly host: string
  readonly #taken = new Set<number>()

  constructor(port = DEFAULT_INSPECT_PORT, host = '127.0.0.1') {
    this.port = port
    this.host = host
  }

  /** A port for a process environment: PORT+1, PORT+2, ..., the lowest one free. */
  take(): number {
    let p = this.port + 1
    while (this.#taken.has(p)) p++
    this.#taken.add(p)
    return p
  }

  give(port: number): void {
    this.#taken.delete(port)
  }

  /**
   * Opens the gateway process's inspector on PORT, unless Node was started with one; returns
   * the WebSocket URL debuggers attach to.
   */
  openGatewayInspector(): string {
    const current = inspector.url()
    if (current !== undefined) return current
    inspector.open(this.port, this.host, false)
    return inspector.url() ?? `ws://${this.host}:${this.port}`
  }

  close(): void {
    inspector.close()
  }
}
