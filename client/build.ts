// Builds the `@herald/client` package into client/dist: the JavaScript of the client's own modules, and ONE
// declaration file in which the router's type is written out in full (see app-router.ts). Run by `npm run build -w
// client`, and by `npm pack -w client` before it packs.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDtsBundle } from 'dts-bundle-generator';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const dist = join(here, 'dist');
/** Each client module's declarations, before they are bundled; removed at the end. */
const staging = join(dist, '.declarations');
/** The repository's compiler options; the program's files are the entry point and what it imports. */
const tsconfig = join(root, 'tsconfig.json');
/** The only packages the package's code and declarations may import: its own dependencies. */
const dependencies = Object.keys(
  (JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies,
);

function fail(message: string): never {
  console.error(`client build: ${message}`);
  process.exit(1);
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });

// 1. Compile. The program reaches into the server for the router's type, so only the client's own files are checked
//    (app-router.ts compares its router with the server's; `npm run typecheck` checks the rest) and emitted. Their
//    declarations name nothing of the server: app-router.ts's is written out in full, and the server import goes.
const config = ts.getParsedCommandLineOfConfigFile(
  tsconfig,
  {},
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
);
if (!config) fail(`cannot read ${tsconfig}`);
const emitRoot = join(dist, '.emit');
const program = ts.createProgram([join(here, 'index.ts')], {
  ...config.options,
  noEmit: false,
  declaration: true,
  declarationMap: false,
  sourceMap: false,
  rootDir: root,
  outDir: emitRoot,
});
const clientFiles = program
  .getSourceFiles()
  .filter(
    (file) =>
      !file.isDeclarationFile &&
      !relative(here, file.fileName).startsWith('..') &&
      !file.fileName.includes(`${sep}node_modules${sep}`),
  );
const errors = [
  ...program.getOptionsDiagnostics(),
  ...program.getGlobalDiagnostics(),
  ...clientFiles.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]),
];
if (errors.length > 0) fail(`type errors:\n${format(errors)}`);

const javascript = new Map<string, string>();
const declarationTexts: string[] = [];
for (const file of clientFiles) {
  const result = program.emit(file, (fileName, text) => {
    const name = relative(join(emitRoot, 'client'), fileName).split(sep).join('/');
    if (name.endsWith('.d.ts')) {
      writeFileSync(join(staging, name), text);
      declarationTexts.push(text);
    } else javascript.set(name, text);
  });
  if (result.emitSkipped || result.diagnostics.length > 0) fail(`emit failed:\n${format(result.diagnostics)}`);
}

// A recursive type (a webhook's payload filter) cannot be written out in full, so the declarations name it where
// the server declares it: `import("../server/db/payload-filter.js")`. Those server modules' declarations (and
// what they import in turn) are staged where that path leads, for the bundle below to inline; they go afterwards.
const serverStaging = join(dist, 'server');
const serverModules = new Set<string>();
for (let pending = declarationTexts; pending.length > 0;) {
  const next: string[] = [];
  for (const text of pending)
    for (const [, module] of text.matchAll(/(?:import\(|from\s)\s*['"](?:\.\.\/|\.\/)*(server\/[^'"]+)\.js['"]/g)) {
      if (serverModules.has(module!)) continue;
      serverModules.add(module!);
      const source = program.getSourceFile(join(root, `${module}.ts`));
      if (!source) fail(`the declarations name ${module}, which is not part of the program`);
      const result = program.emit(
        source,
        (fileName, text) => {
          const name = relative(join(emitRoot, 'client'), fileName).split(sep).join('/');
          mkdirSync(dirname(join(staging, name)), { recursive: true });
          writeFileSync(join(staging, name), text);
          // Its own relative imports, as paths from the root, for the next round.
          next.push(
            text.replace(
              /(['"])(\.\.?\/[^'"]+\.js)\1/g,
              (_match, quote: string, specifier: string) =>
                `${quote}${relative(root, join(dirname(join(root, module!)), specifier))
                  .split(sep)
                  .join('/')}${quote}`,
            ),
          );
        },
        undefined,
        true,
      );
      if (result.emitSkipped || result.diagnostics.length > 0) fail(`emit failed:\n${format(result.diagnostics)}`);
    }
  pending = next;
}

// 2. JavaScript: what index.js loads, and nothing else (app-router.ts is types only). It may load its own modules,
//    the package's dependencies and Node's modules.
const modules: string[] = [];
const pending = ['index.js'];
while (pending.length > 0) {
  const name = pending.pop()!;
  if (modules.includes(name)) continue;
  const text = javascript.get(name);
  if (text === undefined) fail(`${name} is imported but was not built`);
  modules.push(name);
  writeFileSync(join(dist, name), text);
  for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
    if (specifier!.startsWith('./')) pending.push(specifier!.slice(2));
    else if (!specifier!.startsWith('node:') && !dependencies.includes(specifier!))
      fail(`${name} imports ${specifier}; only the package's dependencies and node: modules may be`);
  }
}

// 3. Declarations: the client's, bundled into one file; @trpc/client and @trpc/server stay imports.
const [declarations] = generateDtsBundle(
  [
    {
      filePath: join(staging, 'index.d.ts'),
      libraries: { importedLibraries: dependencies },
      output: { noBanner: true, exportReferencedTypes: false },
    },
  ],
  { preferredConfigPath: tsconfig },
);
rmSync(staging, { recursive: true, force: true });
rmSync(serverStaging, { recursive: true, force: true });
if (!declarations) fail('dts-bundle-generator produced nothing');

const imports = [...declarations.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)].map((match) => match[1]!);
// A dependency's own subpaths count as that dependency: a subscription's output names tRPC's TrackedEnvelope, which
// the declaration emit reaches through `@trpc/server/unstable-core-do-not-import` (pinned with @trpc/server).
const ownPackage = (specifier: string) => dependencies.some((d) => specifier === d || specifier.startsWith(`${d}/`));
const strays = [...new Set(imports.filter((specifier) => !ownPackage(specifier)))];
if (strays.length > 0) fail(`the declarations import ${strays.join(', ')}; only ${dependencies.join(', ')} may be`);
if (/\/\/\/\s*<reference/.test(declarations)) fail('the declarations reference other type packages');
if (/\bzod\b/.test(declarations)) fail('the declarations mention zod: an input or output was not written out');

writeFileSync(
  join(dist, 'index.d.ts'),
  `// @herald/client: generated by client/build.ts from the client and the server's router type.\n${declarations}`,
);
console.log(`client build: dist/${[...modules.sort(), 'index.d.ts'].join(', dist/')}`);
