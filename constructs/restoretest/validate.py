"""Validate one completed restore-test job of AWS Backup and report the result.

EventBridge invokes this function when a restore job of the environment's restore
testing plan reaches COMPLETED. It looks at the restored copy through the control-plane
APIs only (it cannot read a row of the database or a byte of an object), then calls
PutRestoreValidationResult with SUCCESSFUL or FAILED. Any error reports FAILED with the
error text, so no job stays unvalidated; the function then fails, and its Errors alarm
notifies the alarm topic.
"""

import os

import boto3
from botocore.config import Config

# Standard retries absorb API throttling inside one invocation; the function itself is
# not retried (a validation status, once set, cannot be changed).
CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


class ValidationFailed(Exception):
    """The restored copy is not what the plan restores: reported FAILED."""


def check_database(rds, arn):
    """The restored instance is available, encrypted, private and isolated."""
    db = rds.describe_db_instances(DBInstanceIdentifier=arn)["DBInstances"][0]
    problems = []
    if db["DBInstanceStatus"] != "available":
        problems.append("status is " + db["DBInstanceStatus"])
    if not db.get("StorageEncrypted"):
        problems.append("storage is not encrypted")
    if db.get("PubliclyAccessible"):
        problems.append("it is publicly accessible")
    subnets = db.get("DBSubnetGroup", {}).get("DBSubnetGroupName", "")
    if subnets.lower() != os.environ["SUBNET_GROUP"].lower():
        problems.append("subnet group is " + subnets)
    groups = sorted(g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", []))
    if groups != [os.environ["SECURITY_GROUP"]]:
        problems.append("security groups are " + ", ".join(groups))
    if problems:
        raise ValidationFailed(db["DBInstanceIdentifier"] + ": " + "; ".join(problems))
    return db["DBInstanceIdentifier"] + " is available, encrypted, private and isolated"


def check_bucket(s3, arn, restored_bytes):
    """The restored bucket holds at least one object (names are listed, never read),
    unless AWS Backup says the recovery point itself was empty (a new environment's
    uploads bucket): an empty copy of an empty bucket is a correct restore."""
    bucket = arn.split(":::", 1)[1]
    if s3.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount", 0) >= 1:
        return bucket + " holds objects"
    if restored_bytes == 0:
        return bucket + " is empty, as its recovery point was (0 bytes)"
    raise ValidationFailed("%s is empty, but its recovery point holds %s bytes" % (bucket, restored_bytes))


def validate(job, clients):
    """Returns what was checked, or raises ValidationFailed."""
    arn, kind = job.get("CreatedResourceArn", ""), job.get("ResourceType")
    if kind == "RDS":
        return check_database(clients("rds"), arn)
    if kind == "S3":
        return check_bucket(clients("s3"), arn, job.get("BackupSizeInBytes"))
    raise ValidationFailed("no validation for resource type %s" % kind)


def handler(event, context, clients=None):
    """EventBridge entry point: one Restore Job State Change event."""
    clients = clients or (lambda name: boto3.client(name, config=CONFIG))
    backup = clients("backup")
    job_id = event["detail"]["restoreJobId"]
    try:
        job = backup.describe_restore_job(RestoreJobId=job_id)
        plan = job.get("CreatedBy", {}).get("RestoreTestingPlanArn")
        if plan != os.environ["PLAN_ARN"]:
            print("ignored: restore job %s is not from this plan (%s)" % (job_id, plan))
            return "IGNORED"
        status, message = "SUCCESSFUL", validate(job, clients)
    except Exception as error:  # any failure is a FAILED validation, never none
        status, message = "FAILED", "%s: %s" % (type(error).__name__, error)
    print("restore job %s: %s: %s" % (job_id, status, message))
    backup.put_restore_validation_result(
        RestoreJobId=job_id, ValidationStatus=status, ValidationStatusMessage=message[:1000]
    )
    if status == "FAILED":
        raise ValidationFailed(message)  # the function's Errors alarm notifies the topic
    return status
