/**
 * `impasto doctor` without the rest of the CLI (whose bot and queue need native modules that a
 * bundle for a bare GPU machine leaves out): what the engine finds on this machine, as text.
 */
import { engineEnvironmentSchema, parseEnvironment, redisEnvironmentSchema } from '../../src/bot/config.ts';
import { examineMachine, formatReport } from '../../src/cli/doctor.ts';

const env = parseEnvironment(engineEnvironmentSchema.merge(redisEnvironmentSchema), process.env);
process.stdout.write(`${formatReport(await examineMachine(env))}\n`);
process.exit(0);
