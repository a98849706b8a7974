#!/usr/bin/env node
import { App } from 'aws-cdk-lib'
import { GreeterStack } from '../lib/greeter-stack'

const app = new App()
new GreeterStack(app, 'GreeterStack')
