"""The ``skillpass`` command: one entry point for the whole platform.

Sub-commands live in modules named for what they do and are attached here, so this file stays
the index of the CLI.
"""

from __future__ import annotations

import click

from skillpass.cli import run_commands, stack, vc_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="skillpass-cli")
def cli() -> None:
    """skillpass: verifiable, stackable micro-credentials."""


cli.add_command(run_commands.dev)
cli.add_command(run_commands.serve)
cli.add_command(stack.stack_group)
cli.add_command(vc_commands.sign)
cli.add_command(vc_commands.verify_command)
cli.add_command(vc_commands.bench)
