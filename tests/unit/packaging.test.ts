import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';

const root = process.cwd();
const builderConfig = readFileSync(join(root, 'build/electron-builder.yml'), 'utf8');
interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Required<PackageJson>;
const runtimeDependencies = { ...pkg.dependencies, ...pkg.optionalDependencies };

/** keytar lists its build tools as dependencies; the built addon needs neither at run time. */
const BUILD_TIME_ONLY = new Set(['node-addon-api', 'prebuild-install']);

/** A package's folder name under node_modules: the scope for scoped packages. */
const topFolder = (name: string): string => name.split('/')[0]!;

/** The package folders (names or scopes) the desktop app keeps, from the one exclusion pattern in `files`. */
function keptPackages(): string[] {
  const match = /'(!node_modules\/!\(([^)]+)\)\{,\/\*\*\/\*\})'/.exec(builderConfig);
  if (!match) throw new Error('build/electron-builder.yml has no node_modules exclusion pattern');
  return match[2]!.split('|');
}

/**
 * How electron-builder filters node_modules: `**\/*` followed by the exclusions of `files`, each
 * pattern re-testing only paths the previous ones left undecided the other way.
 */
function shipped(path: string): boolean {
  const pattern = /'(!node_modules\/[^']+)'/.exec(builderConfig)![1]!;
  const patterns = ['**/*', pattern].map((p) => new Minimatch(p, { dot: true }));
  let match = false;
  for (const p of patterns) if (match === p.negate) match = p.match(path);
  return match;
}

/** Bare package names imported anywhere in the code that the desktop app's bundles are made from. */
function desktopImports(): Set<string> {
  const names = new Set<string>();
  // src/recording is the Node-side recording library main bundles (player, exports).
  for (const folder of ['src/main', 'src/preload', 'src/shared', 'src/recording']) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)'([^'.][^']*)'/g)) {
        if (specifier!.startsWith('node:') || specifier!.startsWith('@shared/')) continue;
        const parts = specifier!.split('/');
        names.add(specifier!.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
      }
    }
  }
  names.delete('electron');
  return names;
}

describe('desktop package contents', () => {
  it('ships every package the main process and preload import', () => {
    const kept = keptPackages();
    for (const name of desktopImports()) {
      expect(kept, `${name} is imported by the desktop app`).toContain(topFolder(name));
      expect(Object.keys(runtimeDependencies), `${name} is a dependency`).toContain(name);
      expect(shipped(`node_modules/${name}/package.json`)).toBe(true);
    }
  });

  it('ships what those packages load in turn, here and on the other platforms', () => {
    const seen = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name) || BUILD_TIME_ONLY.has(name)) return;
      seen.add(name);
      expect(shipped(`node_modules/${name}/package.json`), `${name} is shipped`).toBe(true);
      let manifest: PackageJson;
      try {
        manifest = JSON.parse(
          readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'),
        ) as PackageJson;
      } catch {
        return; // an optional package for another platform: not installed here, shipped where it is
      }
      for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies }))
        visit(dep);
    };
    for (const name of desktopImports()) visit(name);
    expect(seen).toContain('@napi-rs/canvas-win32-x64-msvc');
    expect(seen).toContain('isexe');
  });

  it('leaves the gateway-only dependencies out', () => {
    const gatewayOnly = Object.keys(pkg.dependencies).filter(
      (name) => !keptPackages().includes(topFolder(name)),
    );
    expect(gatewayOnly).toEqual(expect.arrayContaining(['ssh2', 'fastify', 'better-sqlite3', 'selfsigned']));
    for (const name of [...gatewayOnly, 'avvio', 'find-my-way', 'cpu-features']) {
      expect(shipped(`node_modules/${name}`), name).toBe(false);
      expect(shipped(`node_modules/${name}/lib/index.js`), name).toBe(false);
    }
    expect(shipped('node_modules/@fastify/swagger/index.js')).toBe(false);
    expect(shipped('node_modules/keytar/build/Release/keytar.node')).toBe(true);
  });

  it('unpacks native code and the ffmpeg program from the archive', () => {
    for (const folder of ['keytar', '@napi-rs', '@ffmpeg-installer']) {
      expect(builderConfig).toContain(`- '**/node_modules/${folder}/**'`);
    }
  });

  it('does not rebuild the gateway native modules for Electron', () => {
    expect(builderConfig).toMatch(/^npmRebuild: false$/m);
  });
});

describe('desktop renderer bundle', () => {
  /** Every renderer source file's text, by path relative to src/renderer/src. */
  function rendererSources(): Map<string, string> {
    const dir = join(root, 'src/renderer/src');
    const files = new Map<string, string>();
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(ts|vue)$/.test(entry.name)) continue;
      const path = join(entry.parentPath, entry.name);
      files.set(path.slice(dir.length + 1), readFileSync(path, 'utf8'));
    }
    return files;
  }

  it('loads the browser bridge transport only on demand, never in its main chunk', () => {
    const staticImport = /^import\s[^;]*from\s+'[^']*bridge\/transport'/m;
    for (const [path, text] of rendererSources()) {
      if (path.startsWith('bridge/')) continue;
      expect(staticImport.test(text), path).toBe(false);
    }
    expect(rendererSources().get('main.ts')).toMatch(/import\('\.\/bridge\/transport'\)/);
  });
});
