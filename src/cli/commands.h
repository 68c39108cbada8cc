/* commands.h - the `pal` CLI's subcommands. Each takes argc/argv after the
 * subcommand name and returns the process exit status. */
#ifndef PAL_CLI_COMMANDS_H
#define PAL_CLI_COMMANDS_H

int pal_cmd_info(int argc, char **argv);
int pal_cmd_bench(int argc, char **argv);
int pal_cmd_analyze(int argc, char **argv);

#endif /* PAL_CLI_COMMANDS_H */
