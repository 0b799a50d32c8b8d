/**
 * Prometheus metrics (prom-client). Gauges that describe the state of the work (open cases,
 * overdue tasks, outbox backlog) are read from the database when scraped, so every replica
 * reports the same truth; counters and histograms are this process's own.
 */
import { sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './db/database.js';
import type { DeliveryMessage, Transport } from './delivery/transport.js';

export class Metrics {
  readonly registry = new Registry();
  readonly actionSeconds: Histogram<'action' | 'outcome'>;
  readonly cronSeconds: Histogram<'job'>;
  readonly deliveries: Counter<'platform' | 'kind' | 'result'>;

  constructor(db: Db) {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'sopbot_' });

    this.actionSeconds = new Histogram({
      name: 'sopbot_action_duration_seconds',
      help: 'Waktu satu tindakan alur kerja (transaksi penuh), per jenis dan hasil',
      labelNames: ['action', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.cronSeconds = new Histogram({
      name: 'sopbot_cron_duration_seconds',
      help: 'Lama satu putaran penjadwal (pengingat, eskalasi, ringkasan)',
      labelNames: ['job'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers: [registry],
    });
    this.deliveries = new Counter({
      name: 'sopbot_messages_total',
      help: 'Pengiriman pesan ke platform chat, per hasil (sent, failed)',
      labelNames: ['platform', 'kind', 'result'],
      registers: [registry],
    });

    const rows = async <T>(query: ReturnType<typeof sql>): Promise<T[]> => {
      const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
      return Array.isArray(result) ? result : result.rows;
    };

    new Gauge({
      name: 'sopbot_open_cases',
      help: 'Kasus yang sedang berjalan, per SOP',
      labelNames: ['sop'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await rows<{ sop_id: string; n: number }>(sql`select sop_id, count(*)::int as n from cases where status = 'open' group by sop_id`)) {
          this.set({ sop: r.sop_id }, Number(r.n));
        }
      },
    });
    new Gauge({
      name: 'sopbot_open_tasks',
      help: 'Tugas terbuka, per SOP',
      labelNames: ['sop'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await rows<{ sop_id: string; n: number }>(
          sql`select c.sop_id, count(*)::int as n from tasks t join cases c on c.id = t.case_id where t.status = 'open' group by c.sop_id`,
        )) {
          this.set({ sop: r.sop_id }, Number(r.n));
        }
      },
    });
    new Gauge({
      name: 'sopbot_overdue_tasks',
      help: 'Tugas terbuka yang melewati batas waktu, per SOP',
      labelNames: ['sop'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await rows<{ sop_id: string; n: number }>(
          sql`select c.sop_id, count(*)::int as n from tasks t join cases c on c.id = t.case_id where t.status = 'open' and t.due_at < now() group by c.sop_id`,
        )) {
          this.set({ sop: r.sop_id }, Number(r.n));
        }
      },
    });
    new Gauge({
      name: 'sopbot_outbox_messages',
      help: 'Baris outbox per status (pending/sending = antrean, dead = gagal permanen, unrouted = peran belum punya chat, platform="none")',
      labelNames: ['status', 'platform'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const r of await rows<{ status: string; platform: string | null; n: number }>(
          sql`select status, platform, count(*)::int as n from outbox where status <> 'sent' group by status, platform`,
        )) {
          // A row waiting for its role to be bound has no platform yet.
          this.set({ status: r.status, platform: r.platform ?? 'none' }, Number(r.n));
        }
      },
    });
    new Gauge({
      name: 'sopbot_outbox_oldest_pending_seconds',
      help: 'Umur pesan tertua yang belum terkirim',
      registers: [registry],
      async collect() {
        const [r] = await rows<{ age: number | null }>(
          sql`select extract(epoch from now() - min(created_at))::float8 as age from outbox where status in ('pending', 'sending')`,
        );
        this.set(Number(r?.age ?? 0));
      },
    });
  }

  /** Counts what a transport sends, without changing what it does. */
  countDeliveries(transport: Transport): Transport {
    const deliveries = this.deliveries;
    return {
      ...transport,
      async deliver(message: DeliveryMessage) {
        try {
          const result = await transport.deliver(message);
          deliveries.inc({ platform: transport.platform, kind: message.kind, result: 'sent' });
          return result;
        } catch (e) {
          deliveries.inc({ platform: transport.platform, kind: message.kind, result: 'failed' });
          throw e;
        }
      },
    };
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
