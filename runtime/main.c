/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the command line lands. */
int
main (void)
{
  return 0;
}
