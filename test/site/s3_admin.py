"""Administers the site test's S3 stand-in (moto in server mode, IAM enforced): one JSON command on argv, JSON out.

  {"op": "bootstrap"}                                  an administrator (the first unauthenticated calls); its keys
  {"op": "bucket", "name": ...}                        creates a bucket
  {"op": "user", "name": ..., "statements": [...]}     an IAM user with exactly these policy statements; its keys
  {"op": "put", "bucket", "key", "file"}               uploads a file
  {"op": "get", "bucket", "key", "file"}               downloads an object to a file
  {"op": "keys", "bucket", "prefix"}                   the object keys under a prefix
Connection: S3_ENDPOINT, S3_CA_FILE, and (except for bootstrap) S3_ADMIN_KEY / S3_ADMIN_SECRET.
"""
import json
import os
import sys

import boto3

REGION = "us-east-1"


def client(service, key="bootstrap", secret="bootstrap"):
    return boto3.client(service, endpoint_url=os.environ["S3_ENDPOINT"], region_name=REGION, verify=os.environ["S3_CA_FILE"],
                        aws_access_key_id=key, aws_secret_access_key=secret)


def main():
    command = json.loads(sys.argv[1])
    op = command["op"]
    if op == "bootstrap":
        iam = client("iam")
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="admin", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        print(json.dumps({"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
        return
    admin = (os.environ["S3_ADMIN_KEY"], os.environ["S3_ADMIN_SECRET"])
    if op == "user":
        iam = client("iam", *admin)
        iam.create_user(UserName=command["name"])
        iam.put_user_policy(UserName=command["name"], PolicyName="task-role", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": command["statements"]}))
        key = iam.create_access_key(UserName=command["name"])["AccessKey"]
        print(json.dumps({"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
        return
    s3 = client("s3", *admin)
    if op == "bucket":
        s3.create_bucket(Bucket=command["name"])
    elif op == "put":
        s3.upload_file(command["file"], command["bucket"], command["key"])
    elif op == "get":
        s3.download_file(command["bucket"], command["key"], command["file"])
    elif op == "keys":
        # Filtered here: moto's signature check disagrees with botocore's on an encoded '/' in a Prefix parameter.
        listed = s3.list_objects_v2(Bucket=command["bucket"])
        print(json.dumps([item["Key"] for item in listed.get("Contents", []) if item["Key"].startswith(command.get("prefix", ""))]))
        return
    else:
        raise SystemExit(f"unknown op {op}")
    print("{}")


if __name__ == "__main__":
    main()
