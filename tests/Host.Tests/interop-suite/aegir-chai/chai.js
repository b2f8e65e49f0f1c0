// The assertions @libp2p/interop's tests use: chai's expect, `.eventually` (chai-as-promised) and
// `.equalBytes` (chai-bites).
import chai from 'chai'
import chaiAsPromised from 'chai-as-promised'
import chaiBites from 'chai-bites'

chai.use(chaiAsPromised)
chai.use(chaiBites)

export const expect = chai.expect
export const assert = chai.assert
export { chai }
