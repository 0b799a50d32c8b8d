/**
 * SVG to PNG with resvg (the Rust renderer, prebuilt for each platform in its npm package): no
 * browser, no system fonts, only the shipped typeface, so a picture is the same everywhere.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Resvg } from '@resvg/resvg-js';
import { FONT_FAMILY, FONT_FILES } from './fonts.js';

export interface PngOptions {
  /** Output width in pixels; the height follows the SVG's aspect ratio. Default: the SVG's own width. */
  width?: number;
  /** Background behind transparent parts; default white (chat apps show transparency as black or checkers). */
  background?: string;
}

export function svgToPng(svg: string, options: PngOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    background: options.background ?? '#ffffff',
    fitTo: options.width ? { mode: 'width', value: options.width } : { mode: 'original' },
    font: {
      loadSystemFonts: false,
      fontFiles: Object.values(FONT_FILES),
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
  });
  const png = resvg.render().asPng();
  releaseSoon();
  return png;
}

/*
 * resvg-js keeps each picture's pixels (10 MB for a 1600 px sheet) in native memory that V8 is
 * not told about (resvg-js#216; fixed upstream, unreleased in 2.6.2): their JS handles are tiny,
 * so no collection comes for them and a service drawing a picture per press of Posisi grew by
 * that much each time (measured: 140 MB → 960 MB over 60 pictures). A young-generation collection
 * once the picture's handles are unreachable frees them (their native part when the event loop
 * next turns); it takes about a millisecond.
 */
let collect: ((options: { type: 'minor' }) => void) | undefined;
let pending = false;

function releaseSoon() {
  if (pending) return;
  pending = true;
  setImmediate(() => {
    if (pending) release();
  });
}

function release() {
  pending = false;
  if (!collect) {
    // gc() without --expose-gc on node's command line: set the flag, then a new context has it.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as typeof collect;
  }
  collect!({ type: 'minor' });
}
