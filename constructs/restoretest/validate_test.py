"""Unit tests of validate.py with stubbed AWS clients (go test runs them)."""

import os
import sys
import types
import unittest
from unittest import mock

# boto3 is in the Lambda runtime, not necessarily here: stub the two imports.
sys.modules.setdefault("boto3", types.ModuleType("boto3"))
sys.modules.setdefault("botocore", types.ModuleType("botocore"))
config = types.ModuleType("botocore.config")
config.Config = lambda **kwargs: kwargs
sys.modules.setdefault("botocore.config", config)

import validate  # noqa: E402

PLAN = "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:garcon_staging-1"
DB_ARN = "arn:aws:rds:eu-west-1:111122223333:db:awsbackup-restore-test-abc"
EVENT = {"detail": {"restoreJobId": "job-1"}}


def healthy_db(**changes):
    db = {
        "DBInstanceIdentifier": "awsbackup-restore-test-abc",
        "DBInstanceStatus": "available",
        "StorageEncrypted": True,
        "PubliclyAccessible": False,
        "DBSubnetGroup": {"DBSubnetGroupName": "restored-subnets"},
        "VpcSecurityGroups": [{"VpcSecurityGroupId": "sg-1"}],
    }
    db.update(changes)
    return db


@mock.patch.dict(os.environ, {"PLAN_ARN": PLAN, "SUBNET_GROUP": "Restored-Subnets", "SECURITY_GROUP": "sg-1"})
class HandlerTest(unittest.TestCase):
    def run_handler(self, job, db=None, keys=1):
        backup, rds, s3 = mock.Mock(), mock.Mock(), mock.Mock()
        backup.describe_restore_job.return_value = job
        rds.describe_db_instances.return_value = {"DBInstances": [db or healthy_db()]}
        s3.list_objects_v2.return_value = {"KeyCount": keys}
        clients = {"backup": backup, "rds": rds, "s3": s3}.__getitem__
        try:
            result = validate.handler(EVENT, None, clients)
        except validate.ValidationFailed:
            result = "RAISED"
        return result, backup, s3

    def reported(self, backup):
        return backup.put_restore_validation_result.call_args.kwargs

    def test_healthy_database_is_successful(self):
        job = {"ResourceType": "RDS", "CreatedResourceArn": DB_ARN, "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        result, backup, _ = self.run_handler(job)
        self.assertEqual("SUCCESSFUL", result)
        self.assertEqual("SUCCESSFUL", self.reported(backup)["ValidationStatus"])

    def test_public_database_in_another_security_group_fails(self):
        job = {"ResourceType": "RDS", "CreatedResourceArn": DB_ARN, "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        db = healthy_db(PubliclyAccessible=True, VpcSecurityGroups=[{"VpcSecurityGroupId": "sg-default"}])
        result, backup, _ = self.run_handler(job, db=db)
        self.assertEqual("RAISED", result, "a FAILED validation fails the function: its alarm fires")
        self.assertEqual("FAILED", self.reported(backup)["ValidationStatus"])
        self.assertIn("publicly accessible", self.reported(backup)["ValidationStatusMessage"])
        self.assertIn("sg-default", self.reported(backup)["ValidationStatusMessage"])

    def test_bucket_lists_one_name_only(self):
        job = {"ResourceType": "S3", "CreatedResourceArn": "arn:aws:s3:::awsbackup-restore-test-x", "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        result, backup, s3 = self.run_handler(job)
        self.assertEqual("SUCCESSFUL", result)
        s3.list_objects_v2.assert_called_once_with(Bucket="awsbackup-restore-test-x", MaxKeys=1)
        self.assertEqual(["list_objects_v2"], [call[0] for call in s3.method_calls], "no object is read")

    def test_empty_copy_of_a_bucket_with_data_fails(self):
        job = {"ResourceType": "S3", "CreatedResourceArn": "arn:aws:s3:::awsbackup-restore-test-x", "BackupSizeInBytes": 2048,
               "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        result, backup, _ = self.run_handler(job, keys=0)
        self.assertEqual("RAISED", result)
        self.assertIn("is empty, but its recovery point holds 2048 bytes", self.reported(backup)["ValidationStatusMessage"])

    def test_empty_copy_of_an_unknown_size_fails(self):
        job = {"ResourceType": "S3", "CreatedResourceArn": "arn:aws:s3:::awsbackup-restore-test-x", "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        result, _, _ = self.run_handler(job, keys=0)
        self.assertEqual("RAISED", result, "only an explicit 0-byte recovery point excuses an empty copy")

    def test_empty_copy_of_an_empty_bucket_is_successful(self):
        job = {"ResourceType": "S3", "CreatedResourceArn": "arn:aws:s3:::awsbackup-restore-test-x", "BackupSizeInBytes": 0,
               "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        result, backup, _ = self.run_handler(job, keys=0)
        self.assertEqual("SUCCESSFUL", result)
        self.assertIn("as its recovery point was", self.reported(backup)["ValidationStatusMessage"])

    def test_any_error_is_reported_failed(self):
        backup = mock.Mock()
        backup.describe_restore_job.side_effect = RuntimeError("AccessDenied")
        with self.assertRaises(validate.ValidationFailed):
            validate.handler(EVENT, None, {"backup": backup}.__getitem__)
        self.assertEqual("FAILED", self.reported(backup)["ValidationStatus"])
        self.assertIn("AccessDenied", self.reported(backup)["ValidationStatusMessage"])

    def test_jobs_of_other_plans_are_left_alone(self):
        job = {"ResourceType": "S3", "CreatedResourceArn": "arn:aws:s3:::b", "CreatedBy": {"RestoreTestingPlanArn": "other"}}
        result, backup, _ = self.run_handler(job)
        self.assertEqual("IGNORED", result)
        backup.put_restore_validation_result.assert_not_called()

    def test_unknown_resource_type_fails(self):
        job = {"ResourceType": "EBS", "CreatedResourceArn": "arn", "CreatedBy": {"RestoreTestingPlanArn": PLAN}}
        result, backup, _ = self.run_handler(job)
        self.assertEqual("RAISED", result)
        self.assertIn("EBS", self.reported(backup)["ValidationStatusMessage"])


if __name__ == "__main__":
    unittest.main()
