/** MP4 export of terminal recordings: frames drawn here, encoded by ffmpeg. */
export { exportMp4, type ExportMp4Options, type ExportMp4Result } from './mp4';
export { renderFrameAt } from './renderFrame';
export { describeTried, findFfprobe, locateFfmpeg, type LocateFfmpegOptions } from './ffmpegLocator';
export { FRAME_MS } from './frameSchedule';
export { FrameSizeError, TerminalRasterizer, type FrameSize } from './rasterizer';
export { FontNotFoundError } from './fonts';
export { readScreenGrid, type ScreenGrid } from './screenGrid';
