# Import existing secrets by listing their names, separated by commas.
terraform import planton_aws_secrets.app 'app/prod/DB_PASSWORD,app/prod/API_KEY'
