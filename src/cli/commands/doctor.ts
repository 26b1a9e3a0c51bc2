import type { Command } from 'commander';

/** `impasto doctor`: what this machine can use, and why not. */
export function define(command: Command): void {
  command.option('--json', 'print JSON instead of lines').action(async (flags: { json?: boolean }) => {
    // Loaded when it runs: the examination reaches every part of impasto, which its help need not load.
    const [{ parseEnvironment }, { doctorEnvironmentSchema, examineMachine, formatReport }] = await Promise.all([import('../../bot/config.ts'), import('../doctor.ts')]);
    const env = parseEnvironment(doctorEnvironmentSchema, process.env);
    const report = await examineMachine(env);
    process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  });
}
