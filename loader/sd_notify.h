/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IPSO_SD_NOTIFY_H
#define IPSO_SD_NOTIFY_H

/*
 * Tell the service manager our state ("READY=1", "STOPPING=1") when it
 * asked for it through $NOTIFY_SOCKET (systemd's Type=notify).  Silent
 * and harmless when nobody asked.
 */
void ipso_sd_notify(const char *state);

#endif
