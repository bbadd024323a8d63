/* SPDX-License-Identifier: GPL-2.0 */
/* names.h — the words the audit log and the tools use for the fence's numbers (bpf/fence.h). */
#ifndef SF_NAMES_H
#define SF_NAMES_H

#include <stdint.h>

const char *sf_op_name(uint32_t op);		/* "open", "access", ... or "unknown" */
const char *sf_reason_text(uint32_t reason);	/* "outside the site's roots", ... */
const char *sf_tag_name(uint32_t kind);		/* "site", "pending", ... */
const char *sf_errno_name(int err);		/* "EACCES", ... (positive errno) */
const char *sf_cap_name(uint32_t cap);		/* "CAP_SYS_ADMIN", ... */

#endif /* SF_NAMES_H */
