// Types of local-broker.mjs for the TypeScript code (vitest global set-up, bench) that reuses it.

export declare const DEFAULT_KAFKA_VERSION: string;
export declare class BrokerError extends Error {}
export interface StartedBroker {
  bootstrap: string;
  pid: number;
  dir: string;
  reused: boolean;
}
export interface BrokerOptions {
  port?: number;
  controllerPort?: number;
  version?: string;
  timeoutMs?: number;
  log?: (message: string) => void;
  /** Lines added to server.properties (a repeated key overrides the default). */
  extraProperties?: string[];
  /** Arguments added to `kafka-storage format` (e.g. --add-scram 'SCRAM-SHA-256=[name=u,password=p]'). */
  formatArgs?: string[];
  /** Start again on the data a stopBroker({ keepData: true }) left; fresh when there is none. */
  keepData?: boolean;
}
export declare function java(): string;
export declare function jarsDir(version?: string): string;
export declare function stateDir(port: number): string;
export declare function fetchJars(options?: { version?: string; log?: (message: string) => void }): string;
/** n distinct free TCP ports on 127.0.0.1, all held at once while they are chosen. */
export declare function freePorts(n: number): Promise<number[]>;
export declare function describeCluster(bootstrap: string, timeoutMs?: number): Promise<{ clusterId: string }>;
export declare function startBroker(options?: BrokerOptions): Promise<StartedBroker>;
export declare function stopBroker(options?: { port?: number; graceMs?: number; log?: (message: string) => void; keepData?: boolean }): Promise<{ stopped: boolean }>;
export declare function brokerRunning(options?: { port?: number }): Promise<boolean>;
