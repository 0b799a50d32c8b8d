/**
 * SVG to PNG with resvg (the Rust renderer, prebuilt for each platform in its npm package): no
 * browser, no system fonts, only the shipped typeface, so a picture is the same everywhere.
 */
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
  return resvg.render().asPng();
}
