variable "region" {
  description = "Region id of the buckets, KMS keys and trail (the archive's cloud.region): Hong Kong is cn-hongkong."
  type        = string
  default     = "cn-hongkong"
}

variable "bucket_prefix" {
  description = "The archive's buckets.prefix: buckets are <prefix>-records-<class>, <prefix>-audit, <prefix>-exports, <prefix>-logs."
  type        = string
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,40}$", var.bucket_prefix))
    error_message = "A bucket prefix: lower-case letters, digits and hyphens."
  }
}

variable "lock_retention" {
  description = "Lock every bucket's retention policy (status Locked). IRREVERSIBLE: a Locked policy can never be shortened or removed, and the bucket cannot be deleted until its last object expires. Leave false to apply with InProgress policies (24 hours to lock or lapse), check with `strongroom doctor`, then apply again with true."
  type        = bool
  default     = false
}

variable "retention_classes_file" {
  description = "The retention classes (name and days). Default: infra/retention-classes.json, the file the archive's default buckets.classes come from. Give the same classes the archive's configuration uses."
  type        = string
  default     = null
}

variable "audit_days" {
  description = "The archive's buckets.auditDays (default: the longest class)."
  type        = number
  default     = null
}

variable "exports_days" {
  description = "The archive's buckets.exportsDays (default: the longest class)."
  type        = number
  default     = null
}

variable "logs_days" {
  description = "The archive's buckets.logsDays (default: the longest class)."
  type        = number
  default     = null
}

variable "trail_event_rw" {
  description = "Which ActionTrail events the trail delivers to the audit bucket: All, Write or Read."
  type        = string
  default     = "All"
}
