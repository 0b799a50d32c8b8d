/** What a benchmark process reports to the runner, and what the runner writes. */
import type { Driver } from './db.js';

export const BENCHES = ['memory', 'idle', 'engine', 'latency', 'sweep', 'delivery', 'sheet', 'report'] as const;
export type BenchName = (typeof BENCHES)[number];

/** Resident memory in MB: settled before the load, the peak during it, and at its end. */
export interface MemoryFigures {
  idleMb: number;
  peakMb: number;
  endMb: number;
  /**
   * PostgreSQL only, when the server runs on this machine and /proc can be read: the
   * proportional set size (Pss) of the server processes serving the service's connections,
   * summed, at the same moments. Not in the service's RSS: the server is another process.
   */
  server?: { idleMb: number; peakMb: number; endMb: number; backends: number };
}

export interface ChildReport {
  bench: BenchName;
  driver: Driver;
  ok: boolean;
  error?: string;
  seconds: number;
  memory?: MemoryFigures;
  result?: unknown;
}

export interface RunRecord extends ChildReport {
  /** One-minute load average of the machine before and after (other work shares it). */
  loadBefore: number;
  loadAfter: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  /** Package version and the PostgreSQL version compiled into it. */
  pglite?: string;
  postgres?: string;
  /** Load average (1, 5, 15 min) when the run started: other work on the machine. */
  loadAtStart: number[];
}

export interface BenchOutput {
  generatedAt: string;
  command: string;
  /** Wall time of the whole run, s. */
  seconds: number;
  machine: MachineInfo;
  drivers: Driver[];
  benches: BenchName[];
  runs: RunRecord[];
}
