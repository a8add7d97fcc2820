#!/usr/bin/env node
// The flink-ts command. Plain JavaScript so that it starts on any Node.js and can say clearly when
// this one cannot run the TypeScript sources; the program itself is src/cli/main.ts.
if (!process.features.typescript) {
  process.stderr.write(`flink-ts needs a Node.js that runs TypeScript (22.18 or later); this is Node.js ${process.version}.\n`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv);
// Like `flink run`, the command ends with its jobs, even if the job file left a timer or socket
// open; the empty writes make sure everything printed before has been handed to the OS.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
