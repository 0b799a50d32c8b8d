/**
 * The bytes behind a `file` outbox row (src/delivery/files.ts), made when the transport sends it:
 * a case on its flowchart, an SOP's sheet and flowchart, the monitoring form, the digest's
 * picture. Both platforms' transports call the same renderer, so a chat gets the same file
 * whichever platform it is on; each transport then sends it in its own terms.
 *
 * Renders run one at a time in a process: they are CPU work (layout, resvg, pdfkit, exceljs), so
 * running several at once only raises the peak memory. The heavy modules load at the first render,
 * not at start, so a service that never sends a file does not carry them.
 */
import type { Core } from '../bootstrap.js';
import { formatLocal } from '../calendar/calendar.js';
import { DeliveryError } from '../delivery/transport.js';
import type { FileRenderer, FileSpec, OutgoingFile, RenderedFiles } from '../delivery/files.js';
import { brief } from '../messages/id.js';
import { DIGEST, MONTHLY_CAPTION } from '../messages/report.js';
import { SHEET } from '../messages/sheet.js';
import { roleName } from '../sop/definition.js';
import { isWorkflowError } from '../workflow/errors.js';

export interface FileRendererOptions {
  core: Core;
  /** The daily digest's picture as of a moment (Scheduler.digestPicture). */
  digestPicture?: (at: Date) => Promise<Buffer>;
  clock?: () => Date;
}

/** Telegram shows at most 10 pictures in one album; a longer flowchart is cut there (the PDF has it all). */
const MAX_PICTURES = 10;
/** How much of a case title a caption quotes. */
const TITLE_MAX = 120;

/**
 * A role-addressed file goes to every chat bound to the role, each delivery rendering it: what
 * does not depend on the moment of sending is kept this long, so the monthly form for ten chats is
 * built once, not ten times. A case's picture always shows the case as it stands now.
 */
const KEEP_MS = 60_000;
const KEEP_MAX = 8;

export function fileRenderer(options: FileRendererOptions): FileRenderer {
  const now = () => (options.clock?.() ?? new Date()).getTime();
  let queue: Promise<unknown> = Promise.resolve();
  const kept = new Map<string, { at: number; files: Promise<RenderedFiles> }>();
  return (spec) => {
    const key = spec.render === 'case-picture' ? undefined : JSON.stringify(spec);
    for (const [k, v] of kept) if (now() - v.at > KEEP_MS) kept.delete(k);
    const hit = key === undefined ? undefined : kept.get(key);
    if (hit) return hit.files;
    const run = queue.then(() => renderOne(options, spec));
    queue = run.catch(() => undefined);
    if (key !== undefined) {
      kept.set(key, { at: now(), files: run });
      if (kept.size > KEEP_MAX) kept.delete(kept.keys().next().value!);
      run.catch(() => kept.delete(key));
    }
    return run;
  };
}

async function renderOne(options: FileRendererOptions, spec: FileSpec): Promise<RenderedFiles> {
  try {
    return await RENDERERS[spec.render](options, spec as never);
  } catch (e) {
    // What cannot be drawn stays so (an SOP taken out of the catalog, a period the report refuses,
    // a picture this service has no means to draw): no retry helps. Anything else (the database)
    // is tried again.
    if (isWorkflowError(e) || (e instanceof Error && (e.name === 'ReportError' || e.name === 'FileGone'))) {
      throw new DeliveryError(`cannot render ${spec.render}: ${e.message}`, { permanent: true, cause: e });
    }
    throw e;
  }
}

type Renderers = { [R in FileSpec['render']]: (o: FileRendererOptions, spec: Extract<FileSpec, { render: R }>) => Promise<RenderedFiles> };

const RENDERERS: Renderers = {
  async 'case-picture'({ core, clock }, spec) {
    const { service } = core;
    // Cases are never deleted: a failure here is the database's, and worth another try.
    const caseRow = await service.caseById(spec.caseId);
    const details = await service.caseDetails(caseRow.ref);
    const now = clock?.() ?? new Date();
    const { caseViewOf, renderFlowPicture } = await sheet();
    const def = details.definition;
    const pictures = renderFlowPicture(def, { caseView: caseViewOf(details, now) });
    const calendar = await service.calendarFor(def);
    const open = details.tasks.filter((t) => t.status === 'open');
    const where =
      details.caseRow.status === 'closed' || !open.length
        ? SHEET.caption.closed(details.caseRow.outcome)
        : SHEET.caption.openAt(
            open.map((t) => SHEET.caption.openStep(t.stepId, t.roles.map((r) => roleName(def, r)).join(' + '), t.dueAt !== null && t.dueAt < now)),
          );
    return photos(pictures, SHEET.caption.case(details.caseRow.ref, brief(details.caseRow.title, TITLE_MAX), where, formatLocal(now, calendar)));
  },

  async 'sop-sheet'({ core }, spec) {
    const def = core.service.sop(spec.sopId).definition;
    const { renderSopSheet } = await sheet();
    const rendered = await renderSopSheet(def, { format: 'pdf' });
    return { as: 'document', files: rendered.files.slice(0, 1), caption: SHEET.caption.sop(def.identity.nama, def.identity.nomor, rendered.pages) };
  },

  async 'sop-picture'({ core }, spec) {
    const def = core.service.sop(spec.sopId).definition;
    const { renderFlowPicture } = await sheet();
    const pictures = renderFlowPicture(def);
    return photos(pictures, SHEET.caption.sopPicture(def.identity.nama, pictures.length));
  },

  async monitoring({ core, clock }, spec) {
    const { config, database, service } = core;
    const report = await import('../report/index.js');
    const model = await report.buildMonitoringReport(database.db, service, {
      from: spec.from,
      to: spec.to,
      timezone: config.scheduler.timezone,
      ...(spec.sopId ? { sopIds: [spec.sopId] } : {}),
      rule: config.report.rule,
      now: clock?.() ?? new Date(),
    });
    const data = spec.format === 'xlsx' ? await report.renderReportXlsx(model) : await report.renderReportPdf(model);
    const name = report.reportFileName(model.period, spec.format);
    const caption = report.reportCaption(model);
    return {
      as: 'document',
      files: [{ name: spec.sopId ? name.replace(/\.(\w+)$/, `-${spec.sopId}.$1`) : name, mimeType: MIME[spec.format], data }],
      caption: spec.auto ? MONTHLY_CAPTION(caption) : caption,
    };
  },

  async 'digest-chart'({ core, digestPicture }, spec) {
    if (!digestPicture) throw gone('the digest picture');
    const at = new Date(spec.at);
    const calendar = await core.service.calendarForZone(core.config.scheduler.timezone);
    return {
      as: 'photo',
      files: [{ name: `ringkasan-${spec.at.slice(0, 10)}.png`, mimeType: 'image/png', data: await digestPicture(at) }],
      caption: DIGEST.chartCaption(formatLocal(at, calendar)),
    };
  },
};

const MIME = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const;

function photos(pictures: OutgoingFile[], caption: string): RenderedFiles {
  if (pictures.length <= MAX_PICTURES) return { as: 'photo', files: pictures, caption };
  return { as: 'photo', files: pictures.slice(0, MAX_PICTURES), caption: `${caption}\n${SHEET.caption.picturesCut(MAX_PICTURES, pictures.length)}` };
}

async function sheet() {
  const [render, caseView] = await Promise.all([import('../sheet/render.js'), import('../sheet/case-view.js')]);
  return { ...render, ...caseView };
}

function gone(what: string): Error {
  const e = new Error(`${what} is gone`);
  e.name = 'FileGone';
  return e;
}
