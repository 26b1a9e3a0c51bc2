import type { Command } from 'commander';
import { parseEnvironment } from '../../bot/config.ts';
import { doctorEnvironmentSchema, examineMachine, formatReport } from '../doctor.ts';

/** `impasto doctor`: what this machine can use, and why not. */
export function define(command: Command): void {
  command.option('--json', 'print JSON instead of lines').action(async (flags: { json?: boolean }) => {
    const env = parseEnvironment(doctorEnvironmentSchema, process.env);
    const report = await examineMachine(env);
    process.stdout.write(`${flags.json ? JSON.stringify(report, null, 2) : formatReport(report)}\n`);
  });
}
